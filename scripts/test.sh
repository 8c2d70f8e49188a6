#!/usr/bin/env bash
# scripts/test.sh — install what is needed, build, and run the whole test suite:
#   unit (no privileges), api (xlb-controller over loopback HTTP, no privileges),
#   bpf (BPF_PROG_TEST_RUN fixtures, root), e2e (namespace lab, root).
# Without root, bpf and e2e tests report themselves skipped. XLB_TEST_LABEL=unit (or bpf,
# e2e) runs one layer only.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${XLB_BUILD_DIR:-$REPO/build}"
cd "$REPO"

if [[ "${XLB_SKIP_SETUP:-0}" != 1 ]]; then bash scripts/setup.sh; fi
cmake -S . -B "$BUILD" -G Ninja
ninja -C "$BUILD" -j"$(nproc)"

label_args=()
if [[ -n "${XLB_TEST_LABEL:-}" ]]; then label_args=(-L "$XLB_TEST_LABEL"); fi
# The e2e tests share the machine's CPUs with the lab: one test at a time.
ctest --test-dir "$BUILD" --output-on-failure "${label_args[@]}"
