#!/usr/bin/env bash
# bench/live/live.sh — live throughput through the lab, written as one JSON file.
#
#   bench/live/live.sh --out FILE [--quick] [--build DIR]
#
#   gen ──veth── l4 ──veth── sink
#   XDP generator   node     XDP counter (then drop)
#   (live frames)
#
# The L4 node runs, in turn: the floor forwarder (new MACs, redirect toward
# the sink), xlb (the real agent, 64 TCP + 64 UDP VIPs x 16 backends, native
# XDP), and the nftables DNAT load balancer (`dnat to jhash ... map`). Backends
# are addresses routed to the sink, which counts every frame that reaches it,
# so loss is exact. scripts/bench.sh runs this and merges the file into the
# results; see docs/benchmarks.md. Needs root. Exit status 0, 1 when the
# harness broke (the lab is torn down either way), 2 on bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=""
quick=0
: "${XLB_BUILD_DIR:=$root/build}"

die() { echo "live: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --out) (($# >= 2)) || die "--out needs a file"; out=$2; shift ;;
    --build) (($# >= 2)) || die "--build needs a directory"; XLB_BUILD_DIR=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1'" ;;
  esac
  shift
done
[[ -n $out ]] || die "--out FILE is required"
export XLB_BUILD_DIR

# A short per-run id: device names must stay short (the NAPI threads are
# named napi/<dev>-<id> in 15 characters) and distinct from other runs'.
run_id=$(printf '%03x' $((RANDOM % 4096)))
LAB_PREFIX="xlbl${run_id}-"
# shellcheck source=lab/lab.sh
source "$root/lab/lab.sh"
LAB_NODES=(gen l4 sink)

GEN=g${run_id} NODE_IN=i${run_id} NODE_OUT=o${run_id} SINK=s${run_id}
GEN_MAC=02:00:00:00:70:01 NODE_IN_MAC=02:00:00:00:70:02
NODE_OUT_MAC=02:00:00:00:71:01 SINK_MAC=02:00:00:00:71:02
SINK_ADDR=198.18.71.2
BIN=$XLB_BUILD_DIR/bench/live/xlb-bench-live
# Layout on two CPUs: the generator and the sink share CPU 0, the node has
# CPU 1 to itself (as far as the machine's other work lets it). LIVE_CPU_GEN,
# LIVE_CPU_NODE, LIVE_CPU_SINK change it.
CPU_GEN=${LIVE_CPU_GEN:-0} CPU_SINK=${LIVE_CPU_SINK:-0} CPU_NODE=${LIVE_CPU_NODE:-1}
VIP_BASE=198.51.100.1 VIPS_MULTI=64 BACKENDS=16 TCP_PORT=80 UDP_PORT=53
FLOWS=65536

if ((quick)); then
  FRAMES=(64) ZL_FRAMES=(64) MAX_RUNS=1 MAX_SECONDS=0.5 ZL_RUNS=1 ZL_STEPS=4 ZL_SECONDS=0.25 WARMUP=0.2
  XLB_CASES=("tcp 1")
else
  FRAMES=(64 512 1500) ZL_FRAMES=(64) MAX_RUNS=3 MAX_SECONDS=2 ZL_RUNS=3 ZL_STEPS=8 ZL_SECONDS=1 WARMUP=0.5
  XLB_CASES=("tcp 1" "udp 1" "tcp $VIPS_MULTI" "udp $VIPS_MULTI")
fi

log() { printf '[live %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ----------------------------------------------------------------- the lab

build_lab() {
  _lab_make_dir xlb-live
  LAB_PIN_DIR=$LAB_BPFFS/xlb
  LAB_XLB_CONFIG=$LAB_DIR/xlb.yaml
  LAB_AGENT_READY=$LAB_DIR/agent.ready
  _lab_add_namespaces
  local g l s
  g=$(lab_ns gen) l=$(lab_ns l4) s=$(lab_ns sink)
  # MTU 1600 all the way: a 1500-byte frame plus the outer header fits.
  ip -n "$g" link add "$GEN" address "$GEN_MAC" mtu 1600 type veth \
    peer name "$NODE_IN" netns "$l" address "$NODE_IN_MAC" mtu 1600
  ip -n "$l" link add "$NODE_OUT" address "$NODE_OUT_MAC" mtu 1600 type veth \
    peer name "$SINK" netns "$s" address "$SINK_MAC" mtu 1600
  ip -n "$g" addr add 198.18.70.1/24 dev "$GEN"
  ip -n "$l" addr add 198.18.70.2/24 dev "$NODE_IN"
  ip -n "$l" addr add 198.18.71.1/24 dev "$NODE_OUT"
  ip -n "$s" addr add "$SINK_ADDR/24" dev "$SINK"
  # No ARP anywhere: permanent neighbours, and every backend routed to the sink.
  ip -n "$l" neigh replace "$SINK_ADDR" lladdr "$SINK_MAC" dev "$NODE_OUT" nud permanent
  ip -n "$l" neigh replace 198.18.70.1 lladdr "$GEN_MAC" dev "$NODE_IN" nud permanent
  # bpf_fib_lookup answers only on forwarding interfaces; nftables forwards.
  lab_exec l4 sysctl -qw net.ipv4.ip_forward=1 "net.ipv4.conf.$NODE_IN.forwarding=1" \
    "net.ipv4.conf.$NODE_OUT.forwarding=1" "net.ipv4.conf.$NODE_IN.rp_filter=0" \
    "net.ipv4.conf.$NODE_OUT.rp_filter=0" net.ipv4.conf.all.send_redirects=0
  ip -n "$g" link set "$GEN" up
  ip -n "$l" link set "$NODE_IN" up
  ip -n "$l" link set "$NODE_OUT" up
  ip -n "$s" link set "$SINK" up
  ip -n "$l" route add 198.19.0.0/16 via "$SINK_ADDR" dev "$NODE_OUT"
  # The sink's counter is attached by each measurement; until then something
  # must give its veth NAPI (a redirect into it needs that).
  lab_compile_xdp "$LAB_DIR/drop.o" <<'XDP'
#define SEC(name) __attribute__((section(name), used))
SEC("xdp") int live_sink(void *ctx) { return 1; /* XDP_DROP */ }
char _license[] SEC("license") = "GPL";
XDP
  lab_compile_xdp "$LAB_DIR/pass.o" <<'XDP2'
#define SEC(name) __attribute__((section(name), used))
SEC("xdp") int node_pass(void *ctx) { return 2; /* XDP_PASS */ }
char _license[] SEC("license") = "GPL";
XDP2
  ip -n "$s" link set dev "$SINK" xdpdrv obj "$LAB_DIR/drop.o" sec xdp
  mkdir -p "$LAB_BPFFS"
  mount -t bpf bpf "$LAB_BPFFS"
}

# pin_napi NODE DEV CPU — threaded NAPI for DEV (its NAPI exists once XDP is
# attached, and the kernel refuses the setting before), then its kthreads on
# CPU, SCHED_FIFO so that the machine's other work does not preempt them
# mid-trial (the kernel still leaves others 5% of each CPU).
pin_napi() {
  local node=$1 dev=$2 cpu=$3 pids=() pid
  ip netns exec "$(lab_ns "$node")" sh -c "echo 1 > /sys/class/net/$dev/threaded"
  mapfile -t pids < <(ps -eo pid=,comm= | awk -v p="napi/$dev-" 'index($2, p) == 1 { print $1 }')
  ((${#pids[@]})) || { log "no NAPI thread for $dev (is XDP attached, threaded NAPI on?)"; return 1; }
  for pid in "${pids[@]}"; do
    taskset -pc "$cpu" "$pid" >/dev/null
    chrt -f -p 50 "$pid"
  done
}

place_threads() {
  pin_napi l4 "$NODE_IN" "$CPU_NODE"
  pin_napi sink "$SINK" "$CPU_SINK"
}

# ----------------------------------------------------------------- node modes

node_floor() {
  "$BIN" floor --netns "$(lab_ns l4)" --in "$NODE_IN" --out "$NODE_OUT" --dst-mac "$SINK_MAC"
}

write_xlb_config() {
  local i b proto port backends
  {
    echo "# xlb agent config of the live benchmark (bench/live/live.sh)"
    echo "node:"
    echo "  interface: $NODE_IN"
    echo "  xdp_mode: native"
    echo "  encap_source_v4: 198.18.200.0/24"
    echo "  pin_dir: $LAB_PIN_DIR"
    echo "  admin_state_file: $LAB_DIR/admin-state.json"
    echo "  metrics_listen: \"off\""
    echo "  on_exit: detach"
    # Every flow enters the session cache in the warm-up, however fast it
    # comes, so that the trials measure established flows (cache hits).
    echo "  stateless_above: 0"
    echo "dataplane:"
    echo "  max_vips: $((2 * VIPS_MULTI))"
    echo "vips:"
    for ((i = 1; i <= VIPS_MULTI; i++)); do
      backends=""
      for ((b = 1; b <= BACKENDS; b++)); do backends+="{address: 198.19.$i.$b}, "; done
      for proto in tcp udp; do
        port=$TCP_PORT; [[ $proto == udp ]] && port=$UDP_PORT
        echo "  - {name: $proto$i, address: 198.51.100.$i, port: $port, protocol: $proto, backends: [${backends%, }]}"
      done
    done
  } >"$LAB_XLB_CONFIG"
}

node_xlb() {
  # The agent replaces only an XDP program of its own.
  ip -n "$(lab_ns l4)" link set dev "$NODE_IN" xdp off
  write_xlb_config
  lab_xlb_start_agent 120
}

node_xlb_stop() {
  local pid
  pid=$(lab_pid agent) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  lab_wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
}

# The nftables load balancer a plain Linux user would write: DNAT to one of
# the 16 backends by a hash of the client's address and port. Conntrack picks
# up the mid-stream ACKs (loose tracking, the default); be_liberal keeps its
# window tracking from declaring the generator's repeated segments invalid.
node_nft() {
  local b map=""
  for ((b = 0; b < BACKENDS; b++)); do map+="$b : 198.19.1.$((b + 1)), "; done
  ip -n "$(lab_ns l4)" link set dev "$NODE_IN" xdpdrv obj "$LAB_DIR/pass.o" sec xdp
  lab_exec l4 sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1
  lab_exec l4 nft -f - <<NFT
table ip xlb_bench {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr $VIP_BASE tcp dport $TCP_PORT dnat to jhash ip saddr . tcp sport mod $BACKENDS map { ${map%, } }
  }
}
NFT
}

# ----------------------------------------------------------------- measuring

# measure NAME MODE PROTO VIPS FRAME — one xlb-bench-live run into $LAB_DIR/m/.
measure() {
  local name=$1 mode=$2 proto=$3 vips=$4 frame=$5 port=$TCP_PORT args=()
  [[ $proto == udp ]] && port=$UDP_PORT
  if [[ $mode == max ]]; then
    args=(--runs "$MAX_RUNS" --seconds "$MAX_SECONDS")
  else
    args=(--runs "$ZL_RUNS" --seconds "$ZL_SECONDS" --steps "$ZL_STEPS")
  fi
  log "$name: $mode, $proto, $vips VIP(s), $frame B"
  measured=$((measured + 1))
  "$BIN" run --gen-netns "$(lab_ns gen)" --gen-dev "$GEN" --sink-netns "$(lab_ns sink)" --sink-dev "$SINK" \
    --src-mac "$GEN_MAC" --dst-mac "$NODE_IN_MAC" --proto "$proto" --frame "$frame" \
    --vip "$VIP_BASE" --vips "$vips" --dport "$port" --clients 256 --sports 256 --flows "$FLOWS" \
    --mode "$mode" --warmup-seconds "$WARMUP" --cpu "$CPU_GEN" "${args[@]}" \
    --json "$LAB_DIR/m/$(printf '%03d' "$measured")-$name-$mode-$frame.json"
}

measured=0
run_all() {
  local f c proto vips
  mkdir -p "$LAB_DIR/m"
  log "floor forwarder"
  node_floor
  place_threads
  for f in "${FRAMES[@]}"; do measure floor max tcp 1 "$f"; done
  for f in "${ZL_FRAMES[@]}"; do measure floor zero-loss tcp 1 "$f"; done

  log "xlb"
  node_xlb
  place_threads
  for c in "${XLB_CASES[@]}"; do
    read -r proto vips <<<"$c"
    for f in "${FRAMES[@]}"; do measure xlb max "$proto" "$vips" "$f"; done
    for f in "${ZL_FRAMES[@]}"; do measure xlb zero-loss "$proto" "$vips" "$f"; done
  done
  log "xlb's counters, then stopping the agent"
  lab_xlb_show_json >"$LAB_DIR/xlb-show.json" || true
  node_xlb_stop

  log "nftables DNAT"
  node_nft
  place_threads
  for f in "${FRAMES[@]}"; do measure nft max tcp 1 "$f"; done
}

lab_skip_unless_root_and_netns
[[ -x $BIN ]] || { echo "live: no $BIN (ninja xlb-bench-live)" >&2; exit 1; }
lab_xlb_check_binaries || exit 1
command -v nft >/dev/null || { echo "live: nft not found (scripts/setup.sh installs nftables)" >&2; exit 1; }
((CPU_SINK != CPU_NODE)) || log "warning: the sink and the node on one CPU: two SCHED_FIFO threads of one priority \
do not share it, the node's starves the sink's (figures collapse); see docs/benchmarks.md"
lab_install_trap
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
build_lab
run_all
method="Max Throughput: $MAX_RUNS run(s) of ${MAX_SECONDS} s flat out, median/min/max of the forwarded rate. \
Zero-Packet-Loss: $ZL_RUNS bisection(s) of $ZL_STEPS steps, ${ZL_SECONDS} s trials, pass at loss <= 0.0001%, \
the highest passing offered rate. Every measurement starts with a ${WARMUP} s flat-out warm-up (every flow seen). \
$FLOWS flows (256 clients x 256 source ports; 64 VIPs: the flows spread over them), TCP ACK or UDP; \
the generator paces groups of 16 frames by the clock; loss = frames sent - frames counted at the sink"
python3 - "$LAB_DIR/m" "$out" "$load_before" "$CPU_GEN" "$CPU_NODE" "$CPU_SINK" "$LAB_DIR/xlb-show.json" "$method" <<'PY'
import glob, json, os, sys
mdir, out, load_before, cpu_gen, cpu_node, cpu_sink, stats, method = sys.argv[1:9]
runs = []
for path in sorted(glob.glob(os.path.join(mdir, "*.json"))):
    base = os.path.basename(path)[:-5].split("-", 1)[1]
    node = base.split("-", 1)[0]
    with open(path) as f:
        d = json.load(f)
    d["node"] = node
    runs.append(d)
counters = {}
try:
    with open(stats) as f:
        counters = {k: v["packets"] for k, v in json.load(f).get("counters", {}).items()
                    if isinstance(v, dict) and v.get("packets")}
except (OSError, ValueError):
    pass
data = {
    "layout": {
        "generator_cpu": int(cpu_gen), "node_cpu": int(cpu_node), "sink_cpu": int(cpu_sink),
        "how": f"generator (the test run, one thread) on CPU {cpu_gen}; the L4 node's veth NAPI kthread "
               f"(xlb's XDP program, the floor, or the kernel stack with nftables) on CPU {cpu_node}; the sink's "
               f"NAPI kthread (count, drop) on CPU {cpu_sink}. Both kthreads SCHED_FIFO 50, the generator "
               "SCHED_FIFO 40; the machine's other work shares both CPUs",
    },
    "method": {"how": method},
    "loadavg_before": [float(x) for x in load_before.split()],
    "loadavg_after": [float(x) for x in open("/proc/loadavg").read().split()[:3]],
    "xlb_counters": counters,
    "runs": runs,
}
with open(out, "w") as f:
    json.dump(data, f, indent=1)
    f.write("\n")
PY
log "written $out"
