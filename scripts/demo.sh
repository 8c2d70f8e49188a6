#!/usr/bin/env bash
# scripts/demo.sh — xlb in the lab, for a person to watch.
#
#   bash scripts/demo.sh            # one L4 node
#   bash scripts/demo.sh --ecmp     # three L4 nodes behind a BGP/ECMP router (BIRD)
#
# Installs the build dependencies (scripts/setup.sh; skip with XLB_SKIP_SETUP=1), builds
# (skip with XLB_SKIP_BUILD=1; build tree: XLB_BUILD_DIR, default ./build), builds the lab
# of network namespaces (lab/lab.sh), prepares three backends, starts xlb-agent on the L4
# node, then sends HTTP, UDP and IPv6 traffic to the VIPs and shows where it went, and that
# the replies bypassed the L4 node (direct server return). Everything is torn down on exit.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=lab/lab.sh
source "$REPO/lab/lab.sh"

bold=""; reset=""
if [[ -t 1 ]]; then bold=$'\e[1m'; reset=$'\e[0m'; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
die() { printf '\ndemo: ERROR: %s\n' "$*" >&2; exit 1; }

HTTP_REQS=300
UDP_DGRAMS=100
V6_REQS=12
BIG_REQS=10
BIG_SIZE=200000

MODE=single
case "${1:-}" in
    "") ;;
    --ecmp) MODE=ecmp ;;
    *) die "unknown argument '$1' (usage: scripts/demo.sh [--ecmp])" ;;
esac

if [[ "${XLB_SKIP_SETUP:-0}" != 1 ]]; then
    step "Installing dependencies (scripts/setup.sh; XLB_SKIP_SETUP=1 skips this)"
    [[ -f scripts/setup.sh ]] || die "scripts/setup.sh not found"
    bash scripts/setup.sh
fi
if [[ "${XLB_SKIP_BUILD:-0}" != 1 ]]; then
    step "Building into $XLB_BUILD_DIR (XLB_SKIP_BUILD=1 skips this)"
    cmake -S . -B "$XLB_BUILD_DIR" -G Ninja
    ninja -C "$XLB_BUILD_DIR"
fi
lab_xlb_check_binaries || die "xlb binaries missing"
lab_skip_unless_root_and_netns
if [[ "$MODE" == ecmp ]]; then
    XLB_BUILD_DIR="$XLB_BUILD_DIR" exec bash "$REPO/scripts/demo_ecmp.sh"
fi

step "Building the lab (network namespaces ${LAB_PREFIX}*)"
cat <<EOF
  client 198.18.0.2 ─── router ─── l4 198.18.1.2   (xlb-agent: XDP on eth0)
                           ├────── be1 198.18.11.2  ┐
                           ├────── be2 198.18.12.2  ├ backend_server.py, decap XDP
                           └────── be3 198.18.13.2  ┘
  VIPs $LAB_VIP4 (tcp 80, tcp 9000, udp 5353) and $LAB_VIP6 (tcp 80),
  routed by the router to the L4 node; replies go straight from the backends to the client.
EOF
lab_install_trap
lab_up || die "could not build the lab"

step "Preparing the backends: xlb backend prepare --iface eth0 --vip ..."
lab_xlb_prepare_backends || die "xlb backend prepare failed"
for b in "${LAB_BACKENDS[@]}"; do
    printf '  %s lo: %s\n' "$b" "$(lab_exec "$b" ip -br addr show dev lo | awk '{ $1 = ""; $2 = ""; print }' | xargs)"
done

step "Starting xlb-agent on the L4 node"
lab_xlb_write_config
sed 's/^/  | /' "$LAB_XLB_CONFIG"
lab_xlb_start_agent 60 || die "xlb-agent did not become ready"
echo "  agent ready (pid $LAB_LAST_PID, log $LAB_DIR/agent.log)"
lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
    || die "the VIP does not answer through xlb"

step "$HTTP_REQS HTTP requests from the client to http://$LAB_VIP4/, each on a new connection"
lab_http_many client "$HTTP_REQS" "http://$LAB_VIP4/" >"$LAB_DIR/demo-http.txt"
lab_share_table "HTTP $LAB_VIP4:80" <"$LAB_DIR/demo-http.txt"

step "$UDP_DGRAMS UDP datagrams to $LAB_VIP4:$LAB_UDP_PORT, each from its own source port"
lab_udp_many client "$UDP_DGRAMS" "$LAB_VIP4" "$LAB_UDP_PORT" >"$LAB_DIR/demo-udp.txt"
lab_share_table "UDP $LAB_VIP4:$LAB_UDP_PORT" <"$LAB_DIR/demo-udp.txt"

step "$V6_REQS HTTP requests over IPv6 to http://[$LAB_VIP6]/"
lab_wait_for 30 lab_exec client curl -sf -g --max-time 2 -o /dev/null "http://[$LAB_VIP6]/" \
    || echo "  (the IPv6 VIP does not answer yet)"
lab_http_many client "$V6_REQS" "http://[$LAB_VIP6]/" >"$LAB_DIR/demo-v6.txt"
lab_share_table "HTTP [$LAB_VIP6]:80" <"$LAB_DIR/demo-v6.txt"

# 24000 is below the ephemeral port range, so no earlier connection can be holding it.
step "Which backend gets a given flow: xlb l4 explain tcp $LAB_CLIENT4 24000 $LAB_VIP4 80"
lab_xlb l4 l4 explain tcp "$LAB_CLIENT4" 24000 "$LAB_VIP4" "$LAB_HTTP_PORT" --pin-dir "$LAB_PIN_DIR" \
    | sed 's/^/  | /' || echo "  (explain failed)"
printf '  a real request from source port 24000 is answered by: %s\n' \
    "$(lab_exec client curl -sS --max-time 5 --local-port 24000 "http://$LAB_VIP4/" || echo '(failed)')"

step "Direct server return: $BIG_REQS downloads of $BIG_SIZE bytes, and who carried them"
snap() {
    local d
    {
        echo "client_eth0 $(lab_link_counters client eth0)"
        for d in r-client r-l4 r-be1 r-be2 r-be3; do echo "$d $(lab_link_counters router "$d")"; done
        echo "xlb_tx $(lab_xlb_counter tx 2>/dev/null || echo 0) 0 0 0"
        echo "xlb_vip $(lab_xlb_vip_packets "$LAB_VIP4" "$LAB_HTTP_PORT" tcp 2>/dev/null || echo 0) 0 0 0"
    } >"$LAB_DIR/$1"
}
val() { awk -v d="$2" -v c="$3" '$1 == d { print $c }' "$LAB_DIR/$1"; }
dlt() { echo $(( $(val after "$1" "$2") - $(val before "$1" "$2") )); }
snap before
got=0
for ((i = 0; i < BIG_REQS; i++)); do
    n=$(lab_exec client curl -sS --max-time 10 -o /dev/null -w '%{size_download}' \
        "http://$LAB_VIP4/bytes?n=$BIG_SIZE" || echo 0)
    got=$((got + n))
done
# Let the last FIN/ACKs pass before reading the counters (poll, bounded).
prev=-1
for ((i = 0; i < 25; i++)); do
    cur=$(lab_link_counters client eth0 | awk '{ print $3 }')
    [[ "$cur" == "$prev" ]] && break
    prev=$cur; sleep 0.2
done
snap after
printf '  %-58s %12s %12s\n' "" "packets" "bytes"
printf '  %-58s %12s %12s\n' \
    "client -> VIP (client eth0 TX)" "$(dlt client_eth0 4)" "$(dlt client_eth0 5)" \
    "router -> L4 node (r-l4 TX)" "$(dlt r-l4 4)" "$(dlt r-l4 5)" \
    "xlb on the L4 node: VIP $LAB_VIP4:80 packets" "$(dlt xlb_vip 2)" "" \
    "xlb on the L4 node: XDP_TX packets (encapsulated out)" "$(dlt xlb_tx 2)" "" \
    "L4 node -> router (r-l4 RX)" "$(dlt r-l4 2)" "$(dlt r-l4 3)" \
    "backends -> router (r-be1 + r-be2 + r-be3 RX)" \
        "$(( $(dlt r-be1 2) + $(dlt r-be2 2) + $(dlt r-be3 2) ))" \
        "$(( $(dlt r-be1 3) + $(dlt r-be2 3) + $(dlt r-be3 3) ))" \
    "router -> client (r-client TX)" "$(dlt r-client 4)" "$(dlt r-client 5)"
echo "  the client downloaded $got bytes; the L4 node carried only the client's packets"
echo "  (requests and ACKs); the responses went backend -> router -> client."

step "xlb l4 show"
lab_xlb l4 l4 show --pin-dir "$LAB_PIN_DIR" | sed 's/^/  | /' || echo "  (xlb l4 show failed)"

step "Done; tearing the lab down"
