#!/usr/bin/env bash
# scripts/demo_ecmp.sh — the multi-node lab, for a person to watch (scripts/demo.sh --ecmp
# installs and builds first, then runs this). Three L4 nodes announce the VIPs over BGP;
# the router spreads flows over them; a node dies and the held connections live on.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lab/ecmp.sh
source "$REPO/lab/ecmp.sh"

bold=""; reset=""
if [[ -t 1 ]]; then bold=$'\e[1m'; reset=$'\e[0m'; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
die() { printf '\ndemo: ERROR: %s\n' "$*" >&2; exit 1; }
has_nexthops() { [[ "$(ecmp_nexthop_count "$1")" == "$2" ]]; }
lacks_nexthop() { ! ecmp_nexthops "$1" | grep -qx -- "$2"; }

lab_xlb_check_binaries || die "xlb binaries missing"
command -v bird >/dev/null || die "bird not installed (scripts/setup.sh installs bird2)"
lab_skip_unless_root_and_netns

step "Building the ECMP lab (network namespaces ${LAB_PREFIX}*)"
cat <<DRAWING
  client 198.18.0.2 ── router (BIRD: BGP from every node, merge paths, BFD)
                         ├── l4a 198.18.1.2  xlb-agent + BIRD (AS $ECMP_NODE_AS)
                         ├── l4b 198.18.2.2  xlb-agent + BIRD
                         ├── l4c 198.18.3.2  xlb-agent + BIRD
                         └── be1, be2, be3   backend_server.py, decap XDP
DRAWING
lab_install_trap
ecmp_up || die "could not build the lab"

step "Starting the three L4 nodes (each agent writes its BIRD's config, then BIRD starts)"
for node in "${ECMP_NODES[@]}"; do ecmp_node_start "$node" || die "could not start $node"; done
sed -n '/^bgp:/,/^vips:/p' "$(ecmp_dir l4a)/xlb.yaml" | sed '$d; s/^/  l4a | /'
lab_wait_for 60 has_nexthops "$LAB_VIP4" 3 || die "the router did not learn the VIP from every node"
lab_wait_for 60 has_nexthops "$LAB_VIP6" 3 || die "the router did not learn the IPv6 VIP from every node"
echo "  the router's routes:"
lab_exec router ip route show "$LAB_VIP4" | sed 's/^/  | /'
lab_exec router ip -6 route show "$LAB_VIP6" | sed 's/^/  | /'

step "300 HTTP connections to http://$LAB_VIP4/: which node carried them, which backend answered"
declare -A before
for node in "${ECMP_NODES[@]}"; do before[$node]=$(ecmp_vip_packets "$node" "$LAB_VIP4" "$LAB_HTTP_PORT" tcp); done
lab_http_many client 300 "http://$LAB_VIP4/" >"$LAB_DIR/demo-http.txt"
lab_share_table "HTTP $LAB_VIP4:80" <"$LAB_DIR/demo-http.txt"
for node in "${ECMP_NODES[@]}"; do
    printf '  %s carried %d packets\n' "$node" \
        $(( $(ecmp_vip_packets "$node" "$LAB_VIP4" "$LAB_HTTP_PORT" tcp) - before[$node] ))
done

step "30 long-lived connections, then l4b dies (BIRD and agent SIGKILLed, XDP gone)"
stop="$LAB_DIR/stop-hold"
XLB_HOLD_DEADLINE_S=120 lab_bg client hold "$LAB_PYTHON" "$LAB_SRC_DIR/hold_connections.py" \
    "$LAB_VIP4" "$LAB_ECHO_PORT" 30 2000 0.2 "$stop"
lab_wait_for 30 grep -q '^round 3$' "$LAB_DIR/hold.log" || die "the connections did not start"
t0=$(date +%s%N)
ecmp_node_kill l4b
lab_wait_for 30 lacks_nexthop "$LAB_VIP4" 198.18.2.2 || die "the router kept l4b"
echo "  the router stopped sending to l4b within $(( ($(date +%s%N) - t0) / 1000000 )) ms:"
lab_exec router ip route show "$LAB_VIP4" | sed 's/^/  | /'
sleep 2

step "l4b comes back"
ecmp_node_start l4b || die "could not restart l4b"
lab_wait_for 60 has_nexthops "$LAB_VIP4" 3 || die "l4b did not come back"
echo "  three next hops again; l4b's log says:"
grep 'event=routes_changed' "$LAB_DIR/agent-l4b.log" | tail -1 | sed 's/^/  | /'
sleep 2
touch "$stop"
lab_wait_for 60 grep -q '^summary' "$LAB_DIR/hold.log" || die "the connections did not finish"
echo "  the 30 connections, checked line by line through the failure and the return:"
grep '^summary' "$LAB_DIR/hold.log" | sed 's/^/  | /'

step "Done; tearing the lab down"
