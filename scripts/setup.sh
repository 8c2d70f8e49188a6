#!/usr/bin/env bash
# scripts/setup.sh — install every Debian package xlb's build, tests and lab need.
# Idempotent and non-interactive; run as root on Debian 12.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang-14 llvm-14
  libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libssl-dev
  libsqlite3-dev   # xlb-controller's store
  # lab and tests
  iproute2 ethtool curl socat python3 util-linux procps iputils-ping
  bird2        # BGP: each L4 node's agent drives a local BIRD; the multi-node lab's router runs one
  gnuplot-nox  # the benchmark report's plots (scripts/bench.sh)
  prometheus   # promtool, which checks the /metrics output (about 19 MB download, 96 MB installed)
  tshark       # reads back what `xlb l4 capture` writes (e2e capture)
  nftables     # the live benchmark's baseline: the DNAT load balancer a plain Linux user configures
  python3-yaml # the API test that checks docs/openapi.yaml parses
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer no instead of prompting.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# Wait for another apt run (a parallel setup) instead of failing on its lock.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
