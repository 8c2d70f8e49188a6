# shellcheck shell=bash
# lab/lab.sh — builds and tears down the xlb lab: network namespaces joined by veth pairs.
#
#   client ── router ── l4          (the xlb L4 node)
#               ├────── be1 ┐
#               ├────── be2 ├       (backends, running lab/backend_server.py)
#               └────── be3 ┘
#
# Source it (it is safe under `set -euo pipefail`), then:
#   lab_skip_unless_root_and_netns   # exit 77 unless we can build namespaces
#   lab_install_trap                 # lab_down on EXIT/INT/TERM, exit code kept
#   lab_up                           # namespaces, links, addresses, routes, backend servers
#   lab_exec client curl -s http://198.18.11.2/
#   lab_down                         # idempotent
# See docs/lab.md for the drawing, the addresses and the xlb helpers (lab_xlb_*).
#
# Every namespace is named ${LAB_PREFIX}<node>; the prefix is per run so leftovers of an
# earlier run never collide with this one. Every file of the run lives under $LAB_DIR.

# ---------------------------------------------------------------------------------------
# Settings and addresses (used by the scripts that source this file)
# ---------------------------------------------------------------------------------------

# shellcheck disable=SC2034  # the address variables are for the scripts sourcing us
_LAB_SH="$(readlink -f "${BASH_SOURCE[0]}")"
LAB_SRC_DIR="$(dirname "$_LAB_SH")"
LAB_REPO_DIR="$(dirname "$LAB_SRC_DIR")"

: "${LAB_PREFIX:=xlbt$$r${RANDOM}-}"
: "${LAB_DIR:=}"
: "${LAB_PYTHON:=$(command -v python3 || echo python3)}"

LAB_NODES=(client router l4 be1 be2 be3)
LAB_BACKENDS=(be1 be2 be3)

LAB_CLIENT4=198.18.0.2
LAB_CLIENT6=2001:db8:0:1::2
LAB_ROUTER_CLIENT4=198.18.0.1
LAB_ROUTER_CLIENT6=2001:db8:0:1::1
LAB_L4_ADDR4=198.18.1.2
LAB_L4_ADDR6=2001:db8:0:2::2
LAB_ROUTER_L4_4=198.18.1.1
LAB_ROUTER_L4_6=2001:db8:0:2::1
LAB_BE_ADDRS4=(198.18.11.2 198.18.12.2 198.18.13.2)
LAB_BE_ADDRS6=(2001:db8:0:11::2 2001:db8:0:12::2 2001:db8:0:13::2)

LAB_VIP4=198.51.100.10          # TCP 80 (web), TCP 9000 (echo), UDP 5353 in the xlb config
LAB_VIP4_ALT=203.0.113.10       # routed to the L4 node and put on the backends, spare
LAB_VIP6=2001:db8:100::10
LAB_VIPS=("$LAB_VIP4" "$LAB_VIP4_ALT" "$LAB_VIP6")

LAB_ENCAP_SRC4=198.18.200.0/24
LAB_ENCAP_SRC6=2001:db8:ff::/112

LAB_HTTP_PORT=80
LAB_UDP_PORT=5353
LAB_ECHO_PORT=9000

LAB_MTU_CLIENT=1500
# l4 and backend links: room for the 20/40 byte outer header. A test of PMTU discovery sets
# 1500 before sourcing, so that every link is a plain Ethernet one.
: "${LAB_MTU_INNER:=1600}"

: "${XLB_BUILD_DIR:=$LAB_REPO_DIR/build}"
XLB_AGENT="$XLB_BUILD_DIR/src/agent/xlb-agent"
XLB_CLI="$XLB_BUILD_DIR/src/cli/xlb"

# Set by lab_up (they depend on LAB_DIR).
LAB_BPFFS=""
LAB_PIN_DIR=""
LAB_XLB_CONFIG=""
LAB_AGENT_READY=""
LAB_LAST_PID=""

# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

lab_log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_die() { printf '[lab] ERROR: %s\n' "$*" >&2; return 1; }

# lab_ns NODE — the namespace name of a node.
lab_ns() { printf '%s%s\n' "$LAB_PREFIX" "$1"; }

# lab_exec NODE CMD... — run CMD in NODE's network namespace (same mount namespace, so
# /sys/fs/bpf and $LAB_DIR/bpffs stay visible).
lab_exec() {
    local node="$1"; shift
    nsenter --net="/run/netns/${LAB_PREFIX}${node}" -- "$@"
}

# lab_be_addr4 N / lab_be_addr6 N — backend N's own address (N = 1..3).
lab_be_addr4() { printf '198.18.%d.2\n' $((10 + $1)); }
lab_be_addr6() { printf '2001:db8:0:1%d::2\n' "$1"; }

# lab_be_name ADDR — which backend (be1..be3) owns an address; empty if none.
lab_be_name() {
    local i
    for i in 1 2 3; do
        if [[ "$1" == "$(lab_be_addr4 "$i")" || "$1" == "$(lab_be_addr6 "$i")" ]]; then
            printf 'be%d\n' "$i"; return 0
        fi
    done
    return 0
}

# lab_wait_for TIMEOUT_SECONDS CMD... — poll CMD every 0.2 s until it succeeds.
lab_wait_for() {
    local timeout="$1"; shift
    local deadline=$(( $(date +%s) + timeout ))
    while true; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if (( $(date +%s) >= deadline )); then
            printf '[lab] ERROR: timed out after %ss waiting for: %s\n' "$timeout" "$*" >&2
            return 1
        fi
        sleep 0.2
    done
}

# lab_bg NODE LOGNAME CMD... — start CMD in the background inside NODE's namespace, its
# output in $LAB_DIR/LOGNAME.log; the pid is recorded for lab_down and left in LAB_LAST_PID.
lab_bg() {
    local node="$1" name="$2"; shift 2
    [[ -n "$LAB_DIR" && -d "$LAB_DIR" ]] || { lab_die "lab_bg: no LAB_DIR (call lab_up first)"; return 1; }
    # nsenter with only --net execs CMD directly, so $! is CMD's own pid.
    nsenter --net="/run/netns/${LAB_PREFIX}${node}" -- "$@" \
        >"$LAB_DIR/$name.log" 2>&1 </dev/null &
    LAB_LAST_PID=$!
    printf '%s %s\n' "$LAB_LAST_PID" "$name" >>"$LAB_DIR/pids"
}

# lab_backend_server_start BE [--no-wait] — start lab/backend_server.py in backend BE
# (log: server-BE.log, replaced) and wait until it says it is ready.
lab_backend_server_start() {
    local be="$1" b vip_args=()
    for b in "${LAB_VIPS[@]}"; do vip_args+=(--vip "$b"); done
    lab_bg "$be" "server-$be" "$LAB_PYTHON" "$LAB_SRC_DIR/backend_server.py" \
        --name "$be" "${vip_args[@]}" --http-port "$LAB_HTTP_PORT" \
        --udp-port "$LAB_UDP_PORT" --echo-port "$LAB_ECHO_PORT"
    [[ "${2:-}" == --no-wait ]] && return 0
    lab_wait_for 30 grep -q ' ready ' "$LAB_DIR/server-$be.log" \
        || { lab_die "backend server in $be did not start"; return 1; }
}

# lab_backend_server_stop BE — stop BE's backend server (SIGTERM) and wait until it is gone.
lab_backend_server_stop() {
    local pid
    pid="$(lab_pid "server-$1")" || { lab_die "no backend server recorded for $1"; return 1; }
    kill "$pid" 2>/dev/null || true
    lab_wait_for 15 bash -c "! ps -o stat= -p $pid 2>/dev/null | grep -qv Z" \
        || { lab_die "backend server in $1 (pid $pid) did not stop"; return 1; }
}

# lab_pid NAME — pid recorded by lab_bg under LOGNAME NAME (last one wins).
lab_pid() {
    [[ -f "$LAB_DIR/pids" ]] || return 1
    awk -v n="$1" '$2 == n { p = $1 } END { if (p == "") exit 1; print p }' "$LAB_DIR/pids"
}

# lab_alive PID — whether the process still runs (and is not a zombie).
lab_alive() {
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z* ]]
}

# ---------------------------------------------------------------------------------------
# Preconditions and cleanup
# ---------------------------------------------------------------------------------------

# lab_skip_unless_root_and_netns — exit 77 (CTest: skipped) when not root or when network
# namespaces with veth pairs cannot be made here; exit 1 when a tool the lab needs is
# missing (scripts/setup.sh installs them), so a broken machine is not mistaken for a skip.
lab_skip_unless_root_and_netns() {
    local why="" tool missing=() probe="xlbprobe$$r${RANDOM}"
    if [[ "$(id -u)" != 0 ]]; then
        why="must run as root (network namespaces, veth, XDP)"
    fi
    if [[ -z "$why" ]]; then
        if ! ip netns add "$probe" >/dev/null 2>&1; then
            why="cannot create a network namespace (ip netns add failed)"
        else
            if ! ip -n "$probe" link add name vprobe0 type veth peer name vprobe1 >/dev/null 2>&1; then
                why="cannot create a veth pair inside a network namespace"
            fi
            ip netns del "$probe" >/dev/null 2>&1 || true
        fi
    fi
    if [[ -n "$why" ]]; then
        printf 'SKIP: %s\n' "$why" >&2
        exit 77
    fi
    for tool in ip nsenter ethtool curl mount mountpoint clang-14 "$LAB_PYTHON"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if (( ${#missing[@]} > 0 )); then
        printf '[lab] ERROR: missing tools: %s (scripts/setup.sh installs them)\n' "${missing[*]}" >&2
        exit 1
    fi
}

# lab_dump_logs — print the tail of every log of the run (for failures).
lab_dump_logs() {
    local f lines
    [[ -n "$LAB_DIR" && -d "$LAB_DIR" ]] || return 0
    for f in "$LAB_DIR"/*.log; do
        [[ -f "$f" ]] || continue
        lines=15
        [[ "$(basename "$f")" == agent.log ]] && lines=80
        printf -- '----- %s (last %d lines) -----\n' "$(basename "$f")" "$lines" >&2
        tail -n "$lines" "$f" >&2 || true
    done
}

# lab_down — idempotent teardown: stop recorded processes, stop anything still running in
# our namespaces, delete every namespace with our prefix, unmount our bpffs, remove LAB_DIR.
lab_down() {
    local pid name ns deadline pids=()
    if [[ -z "$LAB_PREFIX" ]]; then
        lab_die "lab_down: empty LAB_PREFIX, refusing to guess which namespaces are ours"
        return 1
    fi
    if [[ -n "$LAB_DIR" && -f "$LAB_DIR/pids" ]]; then
        # Newest first: the agent goes before the servers it depends on.
        while read -r pid name; do
            [[ "$pid" =~ ^[0-9]+$ ]] && pids=("$pid" "${pids[@]}")
        done <"$LAB_DIR/pids"
        for pid in "${pids[@]}"; do
            lab_alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
        done
        deadline=$(( $(date +%s) + 10 ))
        for pid in "${pids[@]}"; do
            while lab_alive "$pid" && (( $(date +%s) < deadline )); do sleep 0.1; done
            lab_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
        done
        : >"$LAB_DIR/pids"
    fi
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ "$ns" == "$LAB_PREFIX"* ]] || continue
        # Anything still running inside a namespace of ours was started by this run.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
    if [[ -n "$LAB_DIR" && -d "$LAB_DIR" ]]; then
        if mountpoint -q "$LAB_DIR/bpffs" 2>/dev/null; then
            umount "$LAB_DIR/bpffs" 2>/dev/null || umount -l "$LAB_DIR/bpffs" 2>/dev/null || true
        fi
        if ! mountpoint -q "$LAB_DIR/bpffs" 2>/dev/null; then
            rm -rf -- "$LAB_DIR"
        fi
    fi
    return 0
}

# lab_install_trap — run lab_down on EXIT, INT and TERM; the script's exit code is kept.
# On a failing exit the logs of the run are printed first (LAB_KEEP=1 keeps everything).
lab_install_trap() {
    trap '_lab_on_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

_lab_on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if (( rc != 0 && rc != 77 )); then
        lab_dump_logs || true
    fi
    if [[ "${LAB_KEEP:-0}" == 1 ]]; then
        lab_log "LAB_KEEP=1: leaving namespaces ${LAB_PREFIX}* and $LAB_DIR in place"
    else
        lab_down || true
    fi
    exit "$rc"
}

# ---------------------------------------------------------------------------------------
# Building the topology
# ---------------------------------------------------------------------------------------

# lab_up — build everything and start the backend servers. Returns non-zero on failure
# (call lab_install_trap first so a half-built lab is still torn down).
lab_up() {
    _lab_make_dir xlb-lab
    LAB_PIN_DIR="$LAB_BPFFS/xlb"
    LAB_XLB_CONFIG="$LAB_DIR/xlb.yaml"
    LAB_AGENT_READY="$LAB_DIR/agent.ready"
    lab_log "building lab ${LAB_PREFIX}* in $LAB_DIR"
    # The steps run in a fresh bash with errexit in force: `set -e` does not apply inside a
    # function called from `if`/`||`, so doing it here could go on after a failed step.
    LAB_PREFIX="$LAB_PREFIX" LAB_DIR="$LAB_DIR" LAB_PYTHON="$LAB_PYTHON" LAB_MTU_INNER="$LAB_MTU_INNER" \
        bash "$_LAB_SH" __build || { lab_die "lab_up failed"; return 1; }
    lab_log "lab is up"
}

# _lab_make_dir NAME — LAB_DIR (a new temporary directory NAME.XXXXXX unless set), its pid
# list and LAB_BPFFS: what every kind of lab needs before it builds.
_lab_make_dir() {
    if [[ -z "$LAB_DIR" ]]; then
        LAB_DIR="$(mktemp -d -t "$1.XXXXXX")"
    fi
    mkdir -p "$LAB_DIR"
    : >>"$LAB_DIR/pids"
    LAB_BPFFS="$LAB_DIR/bpffs"
}

# _lab_add_namespaces — one namespace per LAB_NODES entry, with the lab's defaults (set
# first, so devices created later in the namespace inherit them).
_lab_add_namespaces() {
    local node ns
    for node in "${LAB_NODES[@]}"; do
        ns="$(lab_ns "$node")"
        if [[ -e "/run/netns/$ns" ]]; then
            lab_die "namespace $ns already exists"; return 1
        fi
        ip netns add "$ns"
        # keep_addr_on_down: an interface that goes down keeps its IPv6 addresses, so a
        # link-down test brings the same node back.
        lab_exec "$node" sysctl -qw \
            net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
            net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.keep_addr_on_down=1 \
            net.ipv6.conf.default.keep_addr_on_down=1
        ip -n "$ns" link set lo up
    done
}

_lab_build() {
    set -Eeuo pipefail
    trap 'echo "[lab] ERROR: lab_up step failed (line $LINENO): $BASH_COMMAND" >&2' ERR
    local node n r b

    _lab_add_namespaces

    r="$(lab_ns router)"
    # Both ends are created directly inside their namespaces.
    ip -n "$r" link add name r-client mtu "$LAB_MTU_CLIENT" type veth \
        peer name eth0 netns "$(lab_ns client)" mtu "$LAB_MTU_CLIENT"
    ip -n "$r" link add name r-l4 mtu "$LAB_MTU_INNER" type veth \
        peer name eth0 netns "$(lab_ns l4)" mtu "$LAB_MTU_INNER"
    for n in 1 2 3; do
        ip -n "$r" link add name "r-be$n" mtu "$LAB_MTU_INNER" type veth \
            peer name eth0 netns "$(lab_ns "be$n")" mtu "$LAB_MTU_INNER"
    done

    # Router.
    ip -n "$r" addr add 198.18.0.1/24 dev r-client
    ip -n "$r" addr add 2001:db8:0:1::1/64 dev r-client nodad
    ip -n "$r" addr add 198.18.1.1/24 dev r-l4
    ip -n "$r" addr add 2001:db8:0:2::1/64 dev r-l4 nodad
    for n in 1 2 3; do
        ip -n "$r" addr add "198.18.$((10 + n)).1/24" dev "r-be$n"
        ip -n "$r" addr add "2001:db8:0:1$n::1/64" dev "r-be$n" nodad
    done
    lab_exec router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
    for b in r-client r-l4 r-be1 r-be2 r-be3; do
        lab_exec router sysctl -qw "net.ipv4.conf.$b.rp_filter=0"
        ip -n "$r" link set "$b" up
    done

    # Client, L4 node, backends: eth0 + default routes via the router.
    _lab_host client 198.18.0.2/24 2001:db8:0:1::2/64 198.18.0.1 2001:db8:0:1::1
    _lab_host l4 198.18.1.2/24 2001:db8:0:2::2/64 198.18.1.1 2001:db8:0:2::1
    # The XDP program asks the kernel FIB for the next hop toward a backend, and the FIB
    # helper answers only on interfaces that forward (docs/operations.md).
    lab_exec l4 sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv4.conf.eth0.forwarding=1 \
        net.ipv6.conf.all.forwarding=1
    for n in 1 2 3; do
        _lab_host "be$n" "198.18.$((10 + n)).2/24" "2001:db8:0:1$n::2/64" \
            "198.18.$((10 + n)).1" "2001:db8:0:1$n::1"
    done

    # VIPs and the L4 node's encapsulation sources are routed to the L4 node.
    ip -n "$r" route add 198.51.100.10/32 via 198.18.1.2
    ip -n "$r" route add 203.0.113.10/32 via 198.18.1.2
    ip -n "$r" -6 route add 2001:db8:100::10/128 via 2001:db8:0:2::2
    ip -n "$r" route add "$LAB_ENCAP_SRC4" via 198.18.1.2
    ip -n "$r" -6 route add "$LAB_ENCAP_SRC6" via 2001:db8:0:2::2

    # veth offloads. With tx checksumming on, locally sent TCP leaves as CHECKSUM_PARTIAL,
    # and an XDP program that forwards such a frame sends it with a bad checksum.
    for node in client l4 be1 be2 be3; do
        lab_exec "$node" ethtool -K eth0 tx off >/dev/null
    done
    for b in r-client r-l4 r-be1 r-be2 r-be3; do
        lab_exec router ethtool -K "$b" tx off >/dev/null
    done
    # The L4 node answers with XDP_TX out of its eth0. A veth peer only takes XDP frames
    # when it has NAPI, which GRO turns on. That is not enough: after XDP_TX the kernel
    # wakes the peer's NAPI only when the peer has an XDP program of its own, so with GRO
    # alone the frames wait in r-l4's ring until some unrelated packet comes by. Hence an
    # XDP_PASS program on r-l4 as well.
    lab_exec router ethtool -K r-l4 gro on >/dev/null
    lab_compile_xdp "$LAB_DIR/xdp_pass.o" <<'XDP'
#define SEC(name) __attribute__((section(name), used))
SEC("xdp") int xdp_pass(void *ctx) { return 2; /* XDP_PASS */ }
char _license[] SEC("license") = "GPL";
XDP
    ip -n "$r" link set dev r-l4 xdpdrv obj "$LAB_DIR/xdp_pass.o" sec xdp

    # bpffs of this run, for xlb's pinned maps.
    mkdir -p "$LAB_DIR/bpffs"
    mount -t bpf bpf "$LAB_DIR/bpffs"

    # Backend servers.
    for n in 1 2 3; do
        lab_backend_server_start "be$n" --no-wait || return 1
    done
    for n in 1 2 3; do
        if ! lab_wait_for 30 grep -q ' ready ' "$LAB_DIR/server-be$n.log"; then
            cat "$LAB_DIR/server-be$n.log" >&2 || true
            lab_die "backend server be$n did not start"; return 1
        fi
    done

    # The router can reach every node (also resolves neighbours before any test).
    lab_wait_for 20 lab_exec router curl -sf --max-time 2 -o /dev/null "http://198.18.11.2/"
    lab_wait_for 20 lab_exec client curl -sf --max-time 2 -o /dev/null "http://198.18.12.2/"
    lab_wait_for 20 lab_exec client curl -sf --max-time 2 -o /dev/null "http://[2001:db8:0:13::2]/"
}

# lab_compile_xdp OUT.o — compile the C of an XDP program from stdin (no headers needed).
lab_compile_xdp() {
    # Debian's clang-14 package installs only the versioned name.
    local cc
    cc="$(command -v clang-14 || command -v clang)" || { lab_die "clang-14 not found (scripts/setup.sh installs it)"; return 1; }
    "$cc" -O2 -g -target bpf -Wall -Werror -x c -c - -o "$1"
}

# _lab_host NODE ADDR4/LEN ADDR6/LEN GW4 GW6
_lab_host() {
    local node="$1" ns
    ns="$(lab_ns "$node")"
    ip -n "$ns" addr add "$2" dev eth0
    ip -n "$ns" addr add "$3" dev eth0 nodad
    lab_exec "$node" sysctl -qw net.ipv4.conf.eth0.rp_filter=0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$4" dev eth0
    ip -n "$ns" -6 route add default via "$5" dev eth0
}

# ---------------------------------------------------------------------------------------
# Traffic helpers (all bounded in count and time)
# ---------------------------------------------------------------------------------------

# Traffic loops stop after LAB_LOOP_SECONDS (default 120) in all, whatever the count, so
# a test stays well inside CTest's timeout (which kills without running our traps).
: "${LAB_LOOP_SECONDS:=120}"

# lab_http_many NODE COUNT URL [CURL_ARGS...] — COUNT requests, each on a new connection
# (a new curl process, so a new source port). One line per request on stdout: the first
# line of the body (e.g. "backend=be2") or "ERROR curl=<rc>" ("ERROR deadline" for those
# not sent within LAB_LOOP_SECONDS).
lab_http_many() {
    local node="$1" count="$2" url="$3"; shift 3
    lab_exec "$node" bash -c '
        count=$1 url=$2 deadline=$(( $(date +%s) + $3 )); shift 3
        for ((i = 0; i < count; i++)); do
            if (( $(date +%s) >= deadline )); then
                echo "ERROR deadline"; continue
            fi
            if out=$(curl -sS --fail --max-time 5 --connect-timeout 3 -g "$@" "$url" 2>/dev/null); then
                first=""
                read -r first <<<"$out" || true
                printf "%s\n" "$first"
            else
                echo "ERROR curl=$?"
            fi
        done' lab_http_many "$count" "$url" "$LAB_LOOP_SECONDS" "$@"
}

# lab_udp_many NODE COUNT HOST PORT — COUNT datagrams, each from its own socket (distinct
# source ports), up to 3 tries of 1 s each. One line per datagram: "backend=beN port=P"
# or "ERROR port=P timeout" ("ERROR deadline" past LAB_LOOP_SECONDS). Only replies from
# HOST:PORT are accepted (connected socket).
lab_udp_many() {
    local node="$1" count="$2" host="$3" port="$4"
    lab_exec "$node" "$LAB_PYTHON" -c '
import socket, sys, time
count, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
deadline = time.monotonic() + float(sys.argv[4])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
socks = []
for i in range(count):
    if time.monotonic() >= deadline:
        print("ERROR deadline", flush=True)
        continue
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((host, port))
    socks.append(s)   # keep every socket open, so every source port is distinct
    sport = s.getsockname()[1]
    msg = ("probe %d" % i).encode()
    answer = None
    for attempt in range(3):
        s.send(msg)
        try:
            answer = s.recv(2048).decode(errors="replace")
            break
        except (socket.timeout, ConnectionRefusedError):
            continue
    if answer is None:
        print("ERROR port=%d timeout" % sport, flush=True)
    else:
        print("%s port=%d" % (answer.split()[0], sport), flush=True)
' "$count" "$host" "$port" "$LAB_LOOP_SECONDS"
}

# lab_tally — read lines from stdin, print "<first word> <count>" sorted by word.
lab_tally() {
    awk '{ c[$1]++ } END { for (k in c) print k, c[k] }' | sort
}

# lab_share_table TITLE — read lines like lab_http_many prints; print a table of shares.
lab_share_table() {
    local title="$1"
    awk '{ c[$1]++ } END { for (k in c) print k, c[k] }' | sort | awk -v title="$title" '
        { name[NR] = $1; cnt[NR] = $2; total += $2 }
        END {
            printf "  %s (%d in all)\n", title, total
            printf "    %-12s %8s %8s\n", "answered by", "count", "share"
            for (i = 1; i <= NR; i++) {
                n = name[i]; sub(/^backend=/, "", n)
                share = total ? 100 * cnt[i] / total : 0
                bar = ""; for (j = 0; j < int(share / 2 + 0.5); j++) bar = bar "#"
                printf "    %-12s %8d %7.1f%%  %s\n", n, cnt[i], share, bar
            }
        }'
}

# lab_link_counters NODE DEV — "rx_packets rx_bytes tx_packets tx_bytes" of a device.
lab_link_counters() {
    lab_exec "$1" ip -s -j link show dev "$2" | "$LAB_PYTHON" -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["rx"]["packets"], s["rx"]["bytes"], s["tx"]["packets"], s["tx"]["bytes"])'
}

# ---------------------------------------------------------------------------------------
# xlb on the lab (binaries under $XLB_BUILD_DIR, see the contract in docs/lab.md)
# ---------------------------------------------------------------------------------------

# lab_xlb_check_binaries — fail with a clear message when the xlb binaries are missing.
lab_xlb_check_binaries() {
    local f ok=0
    for f in "$XLB_AGENT" "$XLB_CLI"; do
        if [[ ! -x "$f" ]]; then
            printf '[lab] ERROR: %s not found or not executable (build first: cmake -S . -B build -G Ninja && ninja -C build, or set XLB_BUILD_DIR)\n' "$f" >&2
            ok=1
        fi
    done
    return "$ok"
}

# lab_xlb NODE ARGS... — run the xlb CLI inside NODE's namespace.
lab_xlb() {
    local node="$1"; shift
    lab_exec "$node" "$XLB_CLI" "$@"
}

# lab_xlb_write_config [FILE] — the agent's config for the lab (default $LAB_XLB_CONFIG).
# LAB_XLB_EXTRA_VIPS, if set, holds more entries of the vips list (YAML lines) for a test.
lab_xlb_write_config() {
    local file="${1:-$LAB_XLB_CONFIG}"
    local be4="[{address: 198.18.11.2}, {address: 198.18.12.2}, {address: 198.18.13.2}]"
    local be6='[{address: "2001:db8:0:11::2"}, {address: "2001:db8:0:12::2"}, {address: "2001:db8:0:13::2"}]'
    cat >"$file" <<EOF
# xlb agent config for the lab run in $LAB_DIR (written by lab/lab.sh)
node:
  interface: eth0
  encap_source_v4: $LAB_ENCAP_SRC4
  encap_source_v6: $LAB_ENCAP_SRC6
  pin_dir: $LAB_PIN_DIR
  admin_state_file: $LAB_DIR/admin-state.json
vips:
  - {name: web4, address: $LAB_VIP4, port: $LAB_HTTP_PORT, protocol: tcp, backends: $be4}
  - {name: echo4, address: $LAB_VIP4, port: $LAB_ECHO_PORT, protocol: tcp, backends: $be4}
  - {name: dns4, address: $LAB_VIP4, port: $LAB_UDP_PORT, protocol: udp, backends: $be4}
  - {name: web6, address: "$LAB_VIP6", port: $LAB_HTTP_PORT, protocol: tcp, backends: $be6}
${LAB_XLB_EXTRA_VIPS:-}
EOF
}

# lab_xlb_prepare_backends [ARGS...] — `xlb backend prepare` in every backend (decap XDP on
# eth0, VIPs on lo, arp/rp_filter sysctls), with ARGS added (e.g. --tunnel-mtu 1500).
lab_xlb_prepare_backends() {
    local b v vip_args=()
    for v in "${LAB_VIPS[@]}"; do vip_args+=(--vip "$v"); done
    for b in "${LAB_BACKENDS[@]}"; do
        # Each backend pins its decap maps in the run's own bpffs: a shared pin
        # directory would give the three backends one VIP map and one counter set.
        lab_xlb "$b" backend prepare --iface eth0 --pin-dir "$LAB_DIR/bpffs/$b" "${vip_args[@]}" \
            --encap-source "$LAB_ENCAP_SRC4" --encap-source "$LAB_ENCAP_SRC6" "$@" \
            || { lab_die "xlb backend prepare failed in $b"; return 1; }
    done
}

# lab_xlb_start_agent [TIMEOUT] — start xlb-agent in the l4 namespace (log: agent.log) and
# wait until it created its ready file. Fails early if the agent exits.
lab_xlb_start_agent() {
    local timeout="${1:-60}" deadline pid
    [[ -f "$LAB_XLB_CONFIG" ]] || lab_xlb_write_config
    rm -f "$LAB_AGENT_READY"
    lab_bg l4 agent "$XLB_AGENT" --config "$LAB_XLB_CONFIG" --ready-file "$LAB_AGENT_READY"
    pid="$LAB_LAST_PID"
    deadline=$(( $(date +%s) + timeout ))
    while [[ ! -e "$LAB_AGENT_READY" ]]; do
        if ! lab_alive "$pid"; then
            cat "$LAB_DIR/agent.log" >&2 || true
            lab_die "xlb-agent exited before it was ready (log above)"; return 1
        fi
        if (( $(date +%s) >= deadline )); then
            cat "$LAB_DIR/agent.log" >&2 || true
            lab_die "xlb-agent not ready after ${timeout}s (log above)"; return 1
        fi
        sleep 0.2
    done
}

# lab_xlb_show_json — `xlb l4 show --json` of the lab's L4 node.
lab_xlb_show_json() {
    lab_xlb l4 l4 show --pin-dir "$LAB_PIN_DIR" --json
}

# lab_xlb_stats — `xlb l4 show --json` flattened to lines for awk:
#   vip ADDR PORT PROTO PACKETS BYTES
#   backend VIP_ADDR VIP_PORT PROTO BE_ADDR PACKETS BYTES
#   counter NAME PACKETS BYTES          (nested counters as NAME.SUB, e.g. drop.no_backend)
lab_xlb_stats() {
    local json
    json="$(lab_xlb_show_json)" || { lab_die "xlb l4 show --json failed"; return 1; }
    "$LAB_PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
for v in d.get("vips", []):
    print("vip", v["address"], v["port"], v["protocol"], v.get("packets", 0), v.get("bytes", 0))
    for b in v.get("backends", []):
        print("backend", v["address"], v["port"], v["protocol"], b["address"],
              b.get("packets", 0), b.get("bytes", 0))
def walk(prefix, node):
    if isinstance(node, dict):
        if "packets" in node and not isinstance(node["packets"], dict):
            print("counter", prefix, node["packets"], node.get("bytes", 0))
        for k, sub in node.items():
            if isinstance(sub, dict):
                walk(prefix + "." + k if prefix else k, sub)
    elif isinstance(node, (int, float)) and prefix:
        print("counter", prefix, int(node), 0)
walk("", d.get("counters", {}))
' "$json"
}

# lab_xlb_vip_packets ADDR PORT PROTO — packets counted for one VIP (from lab_xlb_stats).
lab_xlb_vip_packets() {
    lab_xlb_stats | awk -v a="$1" -v p="$2" -v t="$3" \
        '$1 == "vip" && $2 == a && $3 == p && $4 == t { print $5; found = 1 } END { if (!found) exit 1 }'
}

# lab_xlb_counter NAME — packets of one counter, e.g. tx, pass, drop (from lab_xlb_stats).
lab_xlb_counter() {
    lab_xlb_stats | awk -v n="$1" '$1 == "counter" && $2 == n { print $3; found = 1 } END { if (!found) exit 1 }'
}

# ---------------------------------------------------------------------------------------
# Run as a script: `bash lab/lab.sh __build` is lab_up's worker.
# ---------------------------------------------------------------------------------------
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    case "${1:-}" in
        __build)
            LAB_BPFFS="$LAB_DIR/bpffs"; LAB_PIN_DIR="$LAB_BPFFS/xlb"
            _lab_build ;;
        *)
            echo "lab/lab.sh is a library: source it (see docs/lab.md)" >&2
            exit 2 ;;
    esac
fi
