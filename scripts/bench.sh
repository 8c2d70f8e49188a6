#!/usr/bin/env bash
# scripts/bench.sh — run the benchmarks and write the results and the report.
#
#   scripts/bench.sh [--quick] [--live-only | --no-live] [--against FILE] [--out DIR] [--build DIR]
#
# Runs the per-packet benchmark, then live throughput in the lab
# (bench/live/live.sh: generator -> L4 node -> sink, xlb against the floor
# and nftables). Writes DIR/<date>-<commit>.json, a copy DIR/latest.json,
# DIR/report.md and its PNG plots (DIR defaults to bench/results). --against
# FILE adds a comparison with an earlier results file, changes beyond the
# run-to-run noise flagged. --quick: a subset, about a minute, for a smoke
# test (figures rough). --live-only / --no-live: one part alone. Needs root.
# Exit status: 0 when every scenario took its path; 1 when one did not (the
# results still name it), or the harness broke; 2 on bad usage.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${XLB_BUILD_DIR:-$root/build}
out=$root/bench/results
quick=()
against=()
perpacket=1
live=1

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 2; }

while (($#)); do
  case $1 in
    --quick) quick=(--quick) ;;
    --live-only) perpacket=0 ;;
    --no-live) live=0 ;;
    --against)
      (($# >= 2)) || die "--against needs a file"
      [[ -r $2 ]] || die "--against: cannot read '$2'"
      against=(--against "$(realpath "$2")")
      shift ;;
    --out) (($# >= 2)) || die "--out needs a directory"; out=$2; shift ;;
    --build) (($# >= 2)) || die "--build needs a directory"; build=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

((perpacket || live)) || die "--live-only and --no-live leave nothing to run"
[[ $(id -u) -eq 0 ]] || die "needs root (loads BPF programs)"
# A bad --against file fails now, not after the run.
if ((${#against[@]})); then
  python3 - "${against[1]}" 2>/dev/null <<'PY' || die "--against: '${against[1]}' is not a results file"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if isinstance(d, dict) and isinstance(d.get("scenarios"), list) else 1)
PY
fi

bin=$build/bench/perpacket/xlb-bench-perpacket
# A fresh checkout gets configured; an existing build is brought up to date.
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja >/dev/null || die "configuring $build failed (scripts/setup.sh installs what it needs)"
fi
targets=()
((perpacket)) && targets+=(xlb-bench-perpacket)
((live)) && targets+=(xlb-bench-live xlb-agent xlb)
nice ninja -C "$build" "${targets[@]}" >/dev/null || die "building ${targets[*]} failed"
((!perpacket)) || [[ -x $bin ]] || die "no $bin after the build"

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load_before="[$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')]"

status=0
parts=()
if ((perpacket)); then
  "$bin" "${quick[@]}" --json "$tmp/perpacket.json" || status=$?
  # 1: some scenario is invalid; the results say which, so write them anyway.
  ((status <= 1)) || { echo "bench: xlb-bench-perpacket failed (status $status)" >&2; exit 1; }
  parts+=(--perpacket "$tmp/perpacket.json")
fi
if ((live)); then
  "$root/bench/live/live.sh" "${quick[@]}" --build "$build" --out "$tmp/live.json" \
    || { echo "bench: the live benchmark failed" >&2; exit 1; }
  parts+=(--live "$tmp/live.json")
fi

python3 "$root/bench/report.py" assemble "${parts[@]}" --out "$out" \
  --load-before "$load_before" "${quick[@]}" "${against[@]}" || status=1
exit "$status"
