#!/usr/bin/env bash
# e2e (multi-node): three L4 nodes announce the VIPs over BGP; the router (BIRD, merge
# paths) has one next hop per node and hashes flows over them.
#  - the router's route to each VIP (IPv4, IPv6) has 3 next hops;
#  - 300 new connections from the client all succeed and every node carries some;
#  - the same 5-tuple sent to each node directly (bypassing ECMP, from the router) is
#    encapsulated to the same backend by all three;
#  - health-driven withdraw: alt4's backends are all down (nothing answers its check), so
#    no node announces 203.0.113.10, not even before the first probes; when one backend's check passes, all three announce
#    it; when it fails again, all three withdraw it.
source "$(dirname "${BASH_SOURCE[0]}")/ecmp_lib.sh"
e2e_ecmp_setup

e2e_log "next hops: IPv4 $(ecmp_nexthops "$LAB_VIP4" | xargs); IPv6 $(ecmp_nexthops "$LAB_VIP6" | xargs)"

# --- what a node says about its routes on /metrics ----------------------------------------
scrape="$LAB_DIR/l4a-metrics.prom"
lab_exec l4a curl -sS --fail --max-time 10 -o "$scrape" http://127.0.0.1:9810/metrics || e2e_fail "scrape of l4a failed"
for line in "xlb_bgp_announced{vip=\"$LAB_VIP4\"} 1" "xlb_bgp_announced{vip=\"$LAB_VIP6\"} 1" \
            "xlb_bgp_bird_in_sync 1" "xlb_node_drained 0"; do
    grep -qxF -- "$line" "$scrape" || e2e_fail "no '$line' in l4a's /metrics: $(grep '^xlb_bgp\|^xlb_node' "$scrape")"
done
promtool_out=$(promtool check metrics <"$scrape" 2>&1) || e2e_fail "promtool rejects l4a's /metrics: $promtool_out"

# --- 300 connections spread over the nodes ------------------------------------------------
declare -A before
for node in "${ECMP_NODES[@]}"; do before[$node]=$(ecmp_vip_packets "$node" "$LAB_VIP4" "$LAB_HTTP_PORT" tcp); done
out="$LAB_DIR/spread.txt"
lab_http_many client 300 "http://$LAB_VIP4/" >"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "$(e2e_errors "$out") of 300 connections failed"
lab_share_table "300 connections to $LAB_VIP4, by backend" <"$out"
summary=""
for node in "${ECMP_NODES[@]}"; do
    n=$(( $(ecmp_vip_packets "$node" "$LAB_VIP4" "$LAB_HTTP_PORT" tcp) - before[$node] ))
    summary+=" $node=$n"
    (( n > 0 )) || e2e_fail "node $node carried no packet of the 300 connections:$summary"
done
e2e_log "packets per node for the 300 connections:$summary"
out6="$LAB_DIR/spread6.txt"
lab_http_many client 30 "http://[$LAB_VIP6]/" >"$out6"
(( $(e2e_errors "$out6") == 0 )) || e2e_fail "IPv6 connections failed: $(grep ERROR "$out6" | head -3)"

# --- the same 5-tuple through each node ---------------------------------------------------
e2e_log "sending 10 UDP flows to every node directly"
lab_exec router "$LAB_PYTHON" - "$LAB_VIP4" "$LAB_UDP_PORT" "${ECMP_NODES[@]}" <<'PY' || e2e_fail "direct send failed"
import socket, struct, sys
vip, port, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
client = "198.18.0.2"

def csum(data):
    if len(data) % 2: data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

for node in nodes:
    dev = "r-" + node
    # The node's MAC: the router has it as the neighbour of the node's address.
    idx = {"l4a": 1, "l4b": 2, "l4c": 3}[node]
    neigh = open("/proc/net/arp").read().split("\n")
    node_mac = None
    for line in neigh:
        f = line.split()
        if len(f) > 3 and f[0] == "198.18.%d.2" % idx:
            node_mac = bytes.fromhex(f[3].replace(":", ""))
    if node_mac is None:
        sys.exit("no ARP entry for %s" % node)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    own_mac = s.getsockname()[4]  # /sys shows the host's devices, not this namespace's
    for i in range(10):
        sport = 30000 + i
        payload = b"consistency %d" % i
        udp = struct.pack("!HHHH", sport, port, 8 + len(payload), 0) + payload
        pseudo = socket.inet_aton(client) + socket.inet_aton(vip) + struct.pack("!BBH", 0, 17, len(udp))
        udp = udp[:6] + struct.pack("!H", csum(pseudo + udp)) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0x4000, 64, 17, 0,
                         socket.inet_aton(client), socket.inet_aton(vip))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        s.send(node_mac + own_mac + b"\x08\x00" + ip + udp)
PY
# Every backend logs "udp 198.18.0.2:PORT -> VIP ..." per datagram it got.
count_in() { grep -c "udp 198.18.0.2:$2 " "$LAB_DIR/server-$1.log" || true; }
consistent=0
for i in $(seq 0 9); do
    port=$((30000 + i))
    lab_wait_for 10 bash -c "(( \$(cat $LAB_DIR/server-be*.log | grep -c 'udp 198.18.0.2:$port ') >= 3 ))" \
        || e2e_fail "flow $port: the backends got $(cat "$LAB_DIR"/server-be*.log | grep -c "udp 198.18.0.2:$port ") of 3 datagrams"
    where=""
    for be in be1 be2 be3; do
        c=$(count_in "$be" "$port")
        (( c == 0 )) || where+=" $be:$c"
    done
    [[ "$where" =~ ^\ be[123]:3$ ]] || e2e_fail "flow 198.18.0.2:$port reached backends$where (expected one backend, 3 times)"
    consistent=$((consistent + 1))
done
e2e_log "$consistent of 10 flows reached the same backend through all three nodes"

# --- health-driven withdraw --------------------------------------------------------------
(( $(ecmp_nexthop_count "$LAB_VIP4_ALT") == 0 )) \
    || e2e_fail "alt4 is announced though no backend passes its check: $(ecmp_nexthops "$LAB_VIP4_ALT" | xargs)"
# Not even for a moment at start: a backend counts for an announcement only once its first
# probe has answered.
flaps=$(cat "$LAB_DIR"/agent-l4*.log | grep -c "event=routes_changed announce=[^ ]*$LAB_VIP4_ALT" || true)
(( flaps == 0 )) || e2e_fail "alt4 was announced before any of its backends passed a check ($flaps times)"
lab_bg be1 health-listener socat "TCP-LISTEN:$ECMP_HEALTH_PORT,fork,reuseaddr" SYSTEM:true
listener=$LAB_LAST_PID
t=$(ecmp_time_until 30 ecmp_has_nexthops "$LAB_VIP4_ALT" 3) \
    || e2e_fail "alt4 not announced by every node once be1 passed its check: $(ecmp_nexthops "$LAB_VIP4_ALT" | xargs)"
e2e_log "be1 passes alt4's check: all 3 nodes announce $LAB_VIP4_ALT after ${t} ms"
answer=$(lab_exec client curl -sf --max-time 5 "http://$LAB_VIP4_ALT/") || e2e_fail "alt4 does not answer"
[[ "$answer" == backend=be1* ]] || e2e_fail "alt4 answered from '$answer', expected be1 (the only one up)"
kill "$listener"
t=$(ecmp_time_until 30 ecmp_has_nexthops "$LAB_VIP4_ALT" 0) \
    || e2e_fail "alt4 still announced after its last backend failed: $(ecmp_nexthops "$LAB_VIP4_ALT" | xargs)"
e2e_log "be1 fails alt4's check: every node withdrew $LAB_VIP4_ALT after ${t} ms"
(( $(ecmp_nexthop_count "$LAB_VIP4") == 3 )) || e2e_fail "the other VIP lost next hops too"
e2e_pass "3 next hops per VIP, 300 connections over 3 nodes, same backend through every node, health-driven withdraw"
