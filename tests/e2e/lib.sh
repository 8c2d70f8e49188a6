# shellcheck shell=bash
# tests/e2e/lib.sh — shared setup of the xlb end-to-end tests. Source it from a test:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   e2e_setup                      # lab + backends prepared + xlb-agent running (or exit 77/1)
#   ...assertions (e2e_fail "why")...
#   e2e_pass
#
# Exit codes: 0 pass, 1 fail, 77 skip (not root / no netns). The lab is torn down on any
# exit. XLB_BUILD_DIR points at the build tree (CTest sets it).
set -euo pipefail

E2E_TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lab/lab.sh
source "$E2E_TEST_DIR/../../lab/lab.sh"

E2E_NAME="$(basename "${0%.sh}")"

e2e_log() { printf '[%s %s] %s\n' "$E2E_NAME" "$(date +%H:%M:%S)" "$*"; }

# e2e_fail MESSAGE — fail the test (exit 1; the trap tears the lab down and prints logs).
e2e_fail() {
    printf '[%s] FAIL: %s\n' "$E2E_NAME" "$*" >&2
    exit 1
}

e2e_pass() {
    printf '[%s] PASS%s\n' "$E2E_NAME" "${1:+: $1}"
    exit 0
}

# e2e_setup — skip unless root + netns; fail when the xlb binaries are missing; build the
# lab, prepare the backends, start the agent, and wait until the IPv4 VIP answers.
e2e_setup() {
    lab_skip_unless_root_and_netns
    lab_xlb_check_binaries || e2e_fail "xlb binaries missing in XLB_BUILD_DIR=$XLB_BUILD_DIR"
    lab_install_trap
    lab_up || e2e_fail "could not build the lab"
    lab_xlb_prepare_backends || e2e_fail "could not prepare the backends"
    lab_xlb_write_config
    lab_xlb_start_agent 60 || e2e_fail "xlb-agent did not become ready"
    e2e_log "agent ready; waiting for http://$LAB_VIP4/ to answer through xlb"
    lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
        || e2e_fail "the IPv4 VIP does not answer through xlb"
}

# e2e_count PATTERN FILE — number of lines of FILE that equal PATTERN exactly.
e2e_count() { grep -cx -- "$1" "$2" || true; }

# e2e_errors FILE — number of lines starting with ERROR.
e2e_errors() { grep -c '^ERROR' "$1" || true; }

# e2e_backends_seen FILE — number of distinct backend=... first words in FILE.
e2e_backends_seen() { awk '$1 ~ /^backend=/ { s[$1] = 1 } END { print length(s) }' "$1"; }
