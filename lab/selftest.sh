#!/usr/bin/env bash
# lab/selftest.sh — proves the lab topology and the backend servers work, without xlb.
#
# It builds the lab, then does by hand what xlb will do for be1: the router sends the VIPs
# straight to be1 (instead of to the L4 node), be1 holds the VIPs on lo with the ARP and
# rp_filter sysctls of a DSR backend. Then HTTP (v4 and v6), UDP and the TCP echo through
# the VIPs must be answered by be1, with replies whose source is the VIP.
# Exit 0 pass, 1 fail, 77 skip (not root / no netns). Tears down even on failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lab/lab.sh
source "$HERE/lab.sh"

CHECKS=0
FAILS=0
pass() { CHECKS=$((CHECKS + 1)); printf '  ok    %s\n' "$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); printf '  FAIL  %s\n' "$*"; }
# check DESCRIPTION EXPECTED ACTUAL
check_eq() {
    if [[ "$2" == "$3" ]]; then pass "$1: $3"; else fail "$1: expected '$2', got '$3'"; fi
}

lab_skip_unless_root_and_netns
lab_install_trap
lab_up

echo "== topology"
for dev in client:eth0:1500 router:r-client:1500 router:r-l4:1600 l4:eth0:1600 \
           router:r-be1:1600 be1:eth0:1600 router:r-be2:1600 be2:eth0:1600 \
           router:r-be3:1600 be3:eth0:1600; do
    IFS=: read -r node ifname want <<<"$dev"
    mtu="$(lab_exec "$node" ip -j link show dev "$ifname" \
        | "$LAB_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')"
    check_eq "mtu $node/$ifname" "$want" "$mtu"
done
for dev in client:eth0 l4:eth0 be1:eth0 router:r-l4 router:r-be1; do
    IFS=: read -r node ifname <<<"$dev"
    txcsum="$(lab_exec "$node" ethtool -k "$ifname" | awk '/^tx-checksumming:/ {print $2}')"
    check_eq "tx-checksumming $node/$ifname" off "$txcsum"
done
gro="$(lab_exec router ethtool -k r-l4 | awk '/^generic-receive-offload:/ {print $2}')"
check_eq "gro router/r-l4" on "$gro"
check_eq "router ip_forward" 1 "$(lab_exec router sysctl -n net.ipv4.ip_forward)"
check_eq "router ipv6 forwarding" 1 "$(lab_exec router sysctl -n net.ipv6.conf.all.forwarding)"
if mountpoint -q "$LAB_BPFFS"; then pass "bpffs mounted at $LAB_BPFFS"; else fail "bpffs not mounted at $LAB_BPFFS"; fi

xdp_prog="$(lab_exec router ip -j link show dev r-l4 \
    | "$LAB_PYTHON" -c 'import json,sys; m = json.load(sys.stdin)[0].get("xdp", {}).get("mode"); print({1: "native", 2: "generic", 3: "offload"}.get(m, "none"))')"
check_eq "XDP_PASS program on router/r-l4" native "$xdp_prog"

echo "== XDP_TX out of the L4 node's eth0 reaches the router (the path xlb answers on)"
# A throwaway XDP program on l4/eth0 bounces UDP to port 7777 straight back with XDP_TX
# (swapped MACs, addresses and ports keep both checksums valid).
lab_compile_xdp "$LAB_DIR/xdp_bounce.o" <<'XDP'
#define SEC(name) __attribute__((section(name), used))
struct xdp_md { unsigned int data, data_end; };
static inline void swap(unsigned char *a, unsigned char *b, int n)
{
    for (int i = 0; i < n; i++) { unsigned char t = a[i]; a[i] = b[i]; b[i] = t; }
}
SEC("xdp") int xdp_bounce(struct xdp_md *ctx)
{
    unsigned char *d = (unsigned char *)(long)ctx->data;
    unsigned char *end = (unsigned char *)(long)ctx->data_end;
    if (d + 42 > end) return 2;                       /* eth 14 + ip 20 + udp 8 */
    if (d[12] != 0x08 || d[13] != 0x00) return 2;    /* IPv4 */
    if (d[14] != 0x45 || d[23] != 17) return 2;      /* no options, UDP */
    if (d[36] != 0x1e || d[37] != 0x61) return 2;    /* destination port 7777 */
    swap(d, d + 6, 6);                                /* MACs */
    swap(d + 26, d + 30, 4);                          /* addresses */
    swap(d + 34, d + 36, 2);                          /* ports */
    return 3;                                         /* XDP_TX */
}
char _license[] SEC("license") = "GPL";
XDP
lab_exec l4 ip link set dev eth0 xdpdrv obj "$LAB_DIR/xdp_bounce.o" sec xdp
bounced="$(lab_exec router "$LAB_PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.1", 7777))
s.settimeout(1)
ok = 0
for i in range(50):
    s.sendto(b"bounce %d" % i, ("198.18.1.2", 7777))
    try:
        if s.recv(100) == b"bounce %d" % i:
            ok += 1
    except socket.timeout:
        pass
print(ok)' 2>&1 || true)"
lab_exec l4 ip link set dev eth0 xdpdrv off
check_eq "UDP datagrams bounced by XDP_TX on l4/eth0 and received in order" 50 "$bounced"

echo "== plain routing: client -> each backend's own address"
for n in 1 2 3; do
    check_eq "http v4 be$n" "backend=be$n" \
        "$(lab_exec client curl -sS --max-time 5 "http://$(lab_be_addr4 "$n")/" || true)"
    check_eq "http v6 be$n" "backend=be$n" \
        "$(lab_exec client curl -sS --max-time 5 -g "http://[$(lab_be_addr6 "$n")]/" || true)"
done
check_eq "http l4 node <- client (nothing listens there)" "7" \
    "$(lab_exec client curl -sS --max-time 5 -o /dev/null "http://$LAB_L4_ADDR4/" >/dev/null 2>&1; echo $?)"

echo "== VIPs routed straight to be1 (what xlb will do, by hand)"
lab_exec router ip route replace "$LAB_VIP4/32" via 198.18.11.2
lab_exec router ip -6 route replace "$LAB_VIP6/128" via 2001:db8:0:11::2
lab_exec be1 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.lo.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
lab_exec be1 ip addr add "$LAB_VIP4/32" dev lo
lab_exec be1 ip addr add "$LAB_VIP6/128" dev lo nodad

check_eq "http v4 VIP" "backend=be1" \
    "$(lab_exec client curl -sS --max-time 5 "http://$LAB_VIP4/" || true)"
check_eq "http v6 VIP" "backend=be1" \
    "$(lab_exec client curl -sS --max-time 5 -g "http://[$LAB_VIP6]/" || true)"
check_eq "http v4 VIP, 10 new connections" "backend=be1 10" \
    "$(lab_http_many client 10 "http://$LAB_VIP4/" | lab_tally | tr '\n' ' ' | sed 's/ $//')"
check_eq "http /bytes?n=200000 size" "200000" \
    "$(lab_exec client curl -sS --max-time 10 -o /dev/null -w '%{size_download}' "http://$LAB_VIP4/bytes?n=200000" || true)"

# UDP: a connected socket only accepts replies whose source is the VIP.
udp_answer() {
    lab_exec client "$LAB_PYTHON" -c '
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((host, port))
s.send(b"hello")
print(s.recv(2048).decode())' "$1" "$2" 2>&1 || true
}
check_eq "udp v4 VIP reply (source = VIP)" "backend=be1 hello" "$(udp_answer "$LAB_VIP4" "$LAB_UDP_PORT")"
check_eq "udp v6 VIP reply (source = VIP)" "backend=be1 hello" "$(udp_answer "$LAB_VIP6" "$LAB_UDP_PORT")"
check_eq "udp v4 VIP, 20 distinct source ports" "backend=be1 20" \
    "$(lab_udp_many client 20 "$LAB_VIP4" "$LAB_UDP_PORT" | lab_tally | tr '\n' ' ' | sed 's/ $//')"

echo_answers="$(lab_exec client "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
f = s.makefile("rwb")
out = []
for i in range(5):
    f.write(b"line %d\n" % i); f.flush()
    out.append(f.readline().decode().rstrip("\n"))
    time.sleep(0.05)
s.close()
print("|".join(out))' "$LAB_VIP4" "$LAB_ECHO_PORT" 2>&1 || true)"
check_eq "tcp echo v4 VIP" "be1 line 0|be1 line 1|be1 line 2|be1 line 3|be1 line 4" "$echo_answers"

echo "== backend logs"
if grep -q "http 198.18.0.2:[0-9]* -> 198.51.100.10:80 \"GET /\" 200" "$LAB_DIR/server-be1.log"; then
    pass "be1 logged the client's request to the VIP"
else
    fail "be1 did not log the client's request to the VIP"
fi

echo "== teardown"
dir="$LAB_DIR"
be1_pid="$(lab_pid server-be1)"
lab_down
left="$(ip netns list | awk '{print $1}' | grep -c "^$LAB_PREFIX" || true)"
check_eq "namespaces left with prefix $LAB_PREFIX" 0 "$left"
if [[ -e "$dir" ]]; then fail "LAB_DIR $dir still exists"; else pass "LAB_DIR removed"; fi
if lab_alive "$be1_pid"; then fail "backend server pid $be1_pid still runs"; else pass "backend servers stopped"; fi

echo
echo "selftest: $((CHECKS - FAILS)) passed, $FAILS failed"
(( FAILS == 0 ))
