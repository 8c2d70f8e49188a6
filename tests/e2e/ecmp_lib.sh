# shellcheck shell=bash
# tests/e2e/ecmp_lib.sh — shared setup of the multi-node (ECMP + BGP) tests. Source it
# instead of lib.sh:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/ecmp_lib.sh"
#   e2e_ecmp_setup          # lab/ecmp.sh built, 3 nodes announcing, the VIPs answer
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=lab/ecmp.sh
source "$E2E_TEST_DIR/../../lab/ecmp.sh"

e2e_ecmp_setup() {
    lab_skip_unless_root_and_netns
    lab_xlb_check_binaries || e2e_fail "xlb binaries missing in XLB_BUILD_DIR=$XLB_BUILD_DIR"
    command -v bird >/dev/null || e2e_fail "bird not installed (scripts/setup.sh installs bird2)"
    lab_install_trap
    ecmp_up || e2e_fail "could not build the ECMP lab"
    local node
    for node in "${ECMP_NODES[@]}"; do
        ecmp_node_start "$node" || e2e_fail "could not start $node"
    done
    e2e_log "nodes started; waiting for the router to learn 3 next hops per VIP"
    lab_wait_for 60 ecmp_has_nexthops "$LAB_VIP4" 3 || e2e_fail "IPv4 VIP: $(ecmp_nexthops "$LAB_VIP4" | xargs)"
    lab_wait_for 60 ecmp_has_nexthops "$LAB_VIP6" 3 || e2e_fail "IPv6 VIP: $(ecmp_nexthops "$LAB_VIP6" | xargs)"
    lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
        || e2e_fail "the IPv4 VIP does not answer through the nodes"
}

# ecmp_has_nexthops ADDR N — the router has exactly N next hops for ADDR.
ecmp_has_nexthops() { [[ "$(ecmp_nexthop_count "$1")" == "$2" ]]; }
# ecmp_lacks_nexthop ADDR NEXTHOP — NEXTHOP is not (or no longer) among ADDR's next hops.
ecmp_lacks_nexthop() { ! ecmp_nexthops "$1" | grep -qx -- "$2"; }

# ecmp_time_until SECONDS CMD... — poll CMD every 20 ms; print the milliseconds it took to
# succeed, or fail after SECONDS.
ecmp_time_until() {
    local limit="$1" t0 now; shift
    t0=$(date +%s%N)
    while ! "$@" >/dev/null 2>&1; do
        now=$(date +%s%N)
        (( (now - t0) / 1000000000 < limit )) || return 1
        sleep 0.02
    done
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
