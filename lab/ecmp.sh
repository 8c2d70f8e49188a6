# shellcheck shell=bash
# lab/ecmp.sh — the multi-node lab: three L4 nodes behind a router that spreads flows over
# them with ECMP, learned over BGP (BIRD on every node and on the router).
#
#   client ── router (BIRD, merge paths, BFD) ──┬── l4a  xlb-agent + BIRD
#               │                               ├── l4b  xlb-agent + BIRD
#               │                               └── l4c  xlb-agent + BIRD
#               ├── be1 ┐
#               ├── be2 ├  backends (lab/backend_server.py, xlb decap)
#               └── be3 ┘
#
# Source it (it sources lab/lab.sh for the shared helpers), then:
#   lab_skip_unless_root_and_netns; lab_install_trap
#   ecmp_up                 # namespaces, links, router BIRD, backends prepared and serving
#   ecmp_node_start l4a     # agent (writes BIRD's config) then BIRD, in that node
#   ecmp_nexthops 198.51.100.10   # the router's next hops for a VIP, one per line
# See docs/lab.md for the addresses. The router hashes on the 5-tuple
# (fib_multipath_hash_policy 3, fields 0x0037), so a flow stays on one node while the
# set of next hops stays the same.

_ECMP_SH="$(readlink -f "${BASH_SOURCE[0]}")"
# shellcheck source=lab/lab.sh
source "$(dirname "$_ECMP_SH")/lab.sh"

ECMP_NODES=(l4a l4b l4c)
LAB_NODES=(client router "${ECMP_NODES[@]}" be1 be2 be3)
ECMP_ROUTER_AS=65000
ECMP_NODE_AS=65001
ECMP_ENCAP_ALL4=198.18.200.0/22      # what the backends accept tunnels from (every node)
ECMP_ENCAP_ALL6=2001:db8:ff::/96
ECMP_HEALTH_PORT=7000                # alt4's health check: nothing listens until a test says

# ecmp_index NODE — 1, 2, 3 for l4a, l4b, l4c.
ecmp_index() {
    case "$1" in l4a) echo 1 ;; l4b) echo 2 ;; l4c) echo 3 ;; *) lab_die "not an ECMP node: $1"; return 1 ;; esac
}
ecmp_addr4() { echo "198.18.$(ecmp_index "$1").2"; }
ecmp_addr6() { echo "2001:db8:0:$(( $(ecmp_index "$1") + 1 ))::2"; }
ecmp_dir() { echo "$LAB_DIR/$1"; }

# ecmp_up — build the topology, start the router's BIRD and the backends. The L4 nodes
# are started by ecmp_node_start.
ecmp_up() {
    _lab_make_dir xlb-ecmp
    lab_log "building ECMP lab ${LAB_PREFIX}* in $LAB_DIR"
    LAB_PREFIX="$LAB_PREFIX" LAB_DIR="$LAB_DIR" LAB_PYTHON="$LAB_PYTHON" \
        bash "$_ECMP_SH" __build || { lab_die "ecmp_up failed"; return 1; }
    lab_bg router bird-router bird -f -c "$LAB_DIR/router-bird.conf" -s "$LAB_DIR/router-bird.ctl" \
        -P "$LAB_DIR/router-bird.pid"
    local n vip_args=() v
    for v in "${LAB_VIPS[@]}"; do vip_args+=(--vip "$v"); done
    for n in 1 2 3; do
        lab_xlb "be$n" backend prepare --iface eth0 --pin-dir "$LAB_BPFFS/be$n" "${vip_args[@]}" \
            --encap-source "$ECMP_ENCAP_ALL4" --encap-source "$ECMP_ENCAP_ALL6" \
            || { lab_die "xlb backend prepare failed in be$n"; return 1; }
        lab_backend_server_start "be$n" || return 1
    done
    lab_log "ECMP lab is up"
}

_ecmp_build() {
    set -Eeuo pipefail
    trap 'echo "[lab] ERROR: ecmp_up step failed (line $LINENO): $BASH_COMMAND" >&2' ERR
    local node r n b links=(r-client)

    _lab_add_namespaces

    r="$(lab_ns router)"
    ip -n "$r" link add name r-client type veth peer name eth0 netns "$(lab_ns client)"
    ip -n "$r" addr add 198.18.0.1/24 dev r-client
    ip -n "$r" addr add 2001:db8:0:1::1/64 dev r-client nodad
    for node in "${ECMP_NODES[@]}"; do
        n="$(ecmp_index "$node")"
        ip -n "$r" link add name "r-$node" mtu 1600 type veth peer name eth0 netns "$(lab_ns "$node")" mtu 1600
        ip -n "$r" addr add "198.18.$n.1/24" dev "r-$node"
        ip -n "$r" addr add "2001:db8:0:$((n + 1))::1/64" dev "r-$node" nodad
        links+=("r-$node")
    done
    for n in 1 2 3; do
        ip -n "$r" link add name "r-be$n" mtu 1600 type veth peer name eth0 netns "$(lab_ns "be$n")" mtu 1600
        ip -n "$r" addr add "198.18.$((10 + n)).1/24" dev "r-be$n"
        ip -n "$r" addr add "2001:db8:0:1$n::1/64" dev "r-be$n" nodad
        links+=("r-be$n")
    done
    # Multipath: a flow's 5-tuple picks the next hop (src, dst, proto, sport, dport).
    lab_exec router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
        net.ipv4.fib_multipath_hash_policy=3 net.ipv4.fib_multipath_hash_fields=0x0037 \
        net.ipv6.fib_multipath_hash_policy=3 net.ipv6.fib_multipath_hash_fields=0x0037
    for b in "${links[@]}"; do
        lab_exec router sysctl -qw "net.ipv4.conf.$b.rp_filter=0"
        ip -n "$r" link set "$b" up
    done

    _lab_host client 198.18.0.2/24 2001:db8:0:1::2/64 198.18.0.1 2001:db8:0:1::1
    for node in "${ECMP_NODES[@]}"; do
        n="$(ecmp_index "$node")"
        _lab_host "$node" "198.18.$n.2/24" "2001:db8:0:$((n + 1))::2/64" "198.18.$n.1" "2001:db8:0:$((n + 1))::1"
        lab_exec "$node" sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv4.conf.eth0.forwarding=1 \
            net.ipv6.conf.all.forwarding=1
        # Each node's encap sources route back to it (ICMP about tunnel packets).
        ip -n "$r" route add "198.18.20$n.0/24" via "198.18.$n.2"
        ip -n "$r" -6 route add "2001:db8:ff::$n:0/112" via "2001:db8:0:$((n + 1))::2"
        mkdir -p "$(ecmp_dir "$node")"
    done
    for n in 1 2 3; do
        _lab_host "be$n" "198.18.$((10 + n)).2/24" "2001:db8:0:1$n::2/64" \
            "198.18.$((10 + n)).1" "2001:db8:0:1$n::1"
    done

    # The veth quirks of lab.sh, for every node's link: tx checksumming off, and GRO plus
    # an XDP_PASS program on the router's end so XDP_TX frames are picked up at once.
    for node in client "${ECMP_NODES[@]}" be1 be2 be3; do
        lab_exec "$node" ethtool -K eth0 tx off >/dev/null
    done
    for b in "${links[@]}"; do
        lab_exec router ethtool -K "$b" tx off >/dev/null
    done
    lab_compile_xdp "$LAB_DIR/xdp_pass.o" <<'XDP'
#define SEC(name) __attribute__((section(name), used))
SEC("xdp") int xdp_pass(void *ctx) { return 2; /* XDP_PASS */ }
char _license[] SEC("license") = "GPL";
XDP
    for node in "${ECMP_NODES[@]}"; do
        lab_exec router ethtool -K "r-$node" gro on >/dev/null
        ip -n "$r" link set dev "r-$node" xdpdrv obj "$LAB_DIR/xdp_pass.o" sec xdp
    done

    mkdir -p "$LAB_DIR/bpffs"
    mount -t bpf bpf "$LAB_DIR/bpffs"
    _ecmp_router_bird_config >"$LAB_DIR/router-bird.conf"
}

# The router: every node is a BGP neighbour (IPv4 and IPv6 sessions, BFD), and equal
# routes from several nodes become one multipath route in the kernel (merge paths).
_ecmp_router_bird_config() {
    local node n
    cat <<EOF
log stderr all;
router id 198.18.0.1;
protocol device { }
protocol bfd {
  interface "r-l4*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
}
protocol kernel kernel4 { ipv4 { import none; export all; }; merge paths on; }
protocol kernel kernel6 { ipv6 { import none; export all; }; merge paths on; }
template bgp l4node4 {
  local as $ECMP_ROUTER_AS; bfd on; hold time 9; keepalive time 3; connect retry time 2;
  error wait time 1, 5;   # back within seconds after a link flap (default: 60 s or more)
  ipv4 { import all; export none; };
}
template bgp l4node6 {
  local as $ECMP_ROUTER_AS; bfd on; hold time 9; keepalive time 3; connect retry time 2;
  error wait time 1, 5;   # back within seconds after a link flap (default: 60 s or more)
  ipv6 { import all; export none; };
}
EOF
    for node in "${ECMP_NODES[@]}"; do
        n="$(ecmp_index "$node")"
        echo "protocol bgp ${node}_4 from l4node4 { neighbor 198.18.$n.2 as $ECMP_NODE_AS; }"
        echo "protocol bgp ${node}_6 from l4node6 { neighbor 2001:db8:0:$((n + 1))::2 as $ECMP_NODE_AS; }"
    done
}

# ecmp_write_config NODE — the agent's config for NODE: the same VIPs, backends and seed
# on every node; its own encap sources, pins, admin state, BGP identity and BIRD files.
ecmp_write_config() {
    local node="$1" n d be4 be6
    n="$(ecmp_index "$node")"
    d="$(ecmp_dir "$node")"
    be4="[{address: 198.18.11.2}, {address: 198.18.12.2}, {address: 198.18.13.2}]"
    be6='[{address: "2001:db8:0:11::2"}, {address: "2001:db8:0:12::2"}, {address: "2001:db8:0:13::2"}]'
    cat >"$d/xlb.yaml" <<EOF
# xlb agent config for $node of the ECMP lab in $LAB_DIR (written by lab/ecmp.sh)
node:
  interface: eth0
  encap_source_v4: 198.18.20$n.0/24
  encap_source_v6: "2001:db8:ff::$n:0/112"
  pin_dir: $LAB_BPFFS/$node
  admin_state_file: $d/admin-state.json
bgp:
  local_as: $ECMP_NODE_AS
  router_id: 198.18.$n.2
  peers:
    - {address: 198.18.$n.1, as: $ECMP_ROUTER_AS}
    - {address: "2001:db8:0:$((n + 1))::1", as: $ECMP_ROUTER_AS}
  bird_config: $d/bird.conf
  bird_socket: $d/bird.ctl
vips:
  - {name: web4, address: $LAB_VIP4, port: $LAB_HTTP_PORT, protocol: tcp, backends: $be4}
  - {name: echo4, address: $LAB_VIP4, port: $LAB_ECHO_PORT, protocol: tcp, backends: $be4}
  - {name: dns4, address: $LAB_VIP4, port: $LAB_UDP_PORT, protocol: udp, backends: $be4}
  - {name: web6, address: "$LAB_VIP6", port: $LAB_HTTP_PORT, protocol: tcp, backends: $be6}
  - name: alt4
    address: $LAB_VIP4_ALT
    port: $LAB_HTTP_PORT
    protocol: tcp
    health_check: {type: tcp, port: $ECMP_HEALTH_PORT, interval_ms: 300, timeout_ms: 200, rise: 1, fall: 1}
    backends: $be4
EOF
}

# ecmp_node_start NODE — start NODE's agent (it writes BIRD's config, then serves) and,
# once it is ready, NODE's BIRD unless that still runs.
ecmp_node_start() {
    local node="$1" d pid deadline
    d="$(ecmp_dir "$node")"
    [[ -f "$d/xlb.yaml" ]] || ecmp_write_config "$node"
    rm -f "$d/ready"
    lab_bg "$node" "agent-$node" "$XLB_AGENT" --config "$d/xlb.yaml" --ready-file "$d/ready"
    pid="$LAB_LAST_PID"
    deadline=$(( $(date +%s) + 60 ))
    while [[ ! -e "$d/ready" ]]; do
        if ! lab_alive "$pid" || (( $(date +%s) >= deadline )); then
            cat "$LAB_DIR/agent-$node.log" >&2 || true
            lab_die "xlb-agent in $node did not become ready"; return 1
        fi
        sleep 0.2
    done
    pid="$(lab_pid "bird-$node")" && lab_alive "$pid" && return 0
    lab_bg "$node" "bird-$node" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
}

# ecmp_node_kill NODE — the node dies abruptly: BIRD and the agent get SIGKILL and the
# XDP program is gone. The router learns it from the closed BGP sessions.
ecmp_node_kill() {
    local node="$1" pid
    for name in "bird-$node" "agent-$node"; do
        pid="$(lab_pid "$name")" && kill -KILL "$pid" 2>/dev/null || true
    done
    lab_exec "$node" ip link set dev eth0 xdp off 2>/dev/null || true
    lab_exec "$node" ip link set dev eth0 xdpgeneric off 2>/dev/null || true
}

# ecmp_node_stop NODE — a clean stop: SIGTERM to the agent (it withdraws its routes, then
# detaches XDP), then BIRD.
ecmp_node_stop() {
    local node="$1" pid
    for name in "agent-$node" "bird-$node"; do
        pid="$(lab_pid "$name")" || continue
        kill -TERM "$pid" 2>/dev/null || true
        lab_wait_for 15 bash -c "! ps -o stat= -p $pid 2>/dev/null | grep -qv Z" || return 1
    done
}

# ecmp_nexthops ADDR — the router's next hops for ADDR, one address per line (none: no
# route). IPv4 and IPv6.
ecmp_nexthops() {
    local family=-4
    [[ "$1" == *:* ]] && family=-6
    lab_exec router ip "$family" route show "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1) }' | sort
}

# ecmp_nexthop_count ADDR — how many next hops the router has for ADDR.
ecmp_nexthop_count() { ecmp_nexthops "$1" | grep -c . || true; }

# ecmp_xlb_json NODE — `xlb l4 show --json` of one node.
ecmp_xlb_json() { lab_xlb "$1" l4 show --pin-dir "$LAB_BPFFS/$1" --json; }

# ecmp_vip_packets NODE ADDR PORT PROTO — packets one node counted for a VIP service.
ecmp_vip_packets() {
    ecmp_xlb_json "$1" | "$LAB_PYTHON" -c '
import json, sys
a, p, t = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for v in json.load(sys.stdin)["vips"]:
    if v["address"] == a and v["port"] == p and v["protocol"] == t:
        print(v["packets"])
' "$2" "$3" "$4"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    case "${1:-}" in
        __build)
            LAB_BPFFS="$LAB_DIR/bpffs"
            _ecmp_build ;;
        *)
            echo "lab/ecmp.sh is a library: source it (see docs/lab.md)" >&2
            exit 2 ;;
    esac
fi
