#!/usr/bin/env bash
# e2e (multi-node): flows survive when the router moves them between L4 nodes, because
# every node picks the same backend for a flow. 30 long-lived TCP connections to the echo
# service (spread over the three nodes) exchange a line every round, checked word for
# word, while node l4b
#   1. dies abruptly (BIRD and agent SIGKILLed, XDP gone) and comes back,
#   2. loses only its agent (SIGKILL: the route watchdog withdraws) and gets it back,
#   3. hangs (BIRD and agent stopped with SIGSTOP: only BFD can tell) and resumes,
#   4. loses its link and gets it back,
# and then node l4c is drained with `xlb node drain` and stopped cleanly. Every
# connection must survive all of it. The time until the router stopped sending to the
# node is printed for each failure.
source "$(dirname "${BASH_SOURCE[0]}")/ecmp_lib.sh"
e2e_ecmp_setup

HELD=30
export XLB_HOLD_DEADLINE_S=280
last_round() { awk '$1 == "round" { r = $2 } END { print r + 0 }' "$LAB_DIR/hold.log"; }
round_at_least() { (( $(last_round) >= $1 )); }
# live_with N — wait until the connections made N more rounds (they lived with the change).
live_with() {
    local target=$(( $(last_round) + $1 ))
    lab_wait_for 60 round_at_least "$target" || e2e_fail "the connections stalled: $(tail -3 "$LAB_DIR/hold.log")"
}
echo_packets() { ecmp_vip_packets "$1" "$LAB_VIP4" "$LAB_ECHO_PORT" tcp; }
nh_of() { ecmp_addr4 "$1"; }
back_to_three() {
    local what="$1" t
    t=$(ecmp_time_until 60 ecmp_has_nexthops "$LAB_VIP4" 3) \
        || e2e_fail "$what: the router did not get 3 next hops back: $(ecmp_nexthops "$LAB_VIP4" | xargs)"
    e2e_log "$what: 3 next hops again after ${t} ms"
}
# moved_back NODE BEFORE — NODE carries echo traffic again after it returned.
moved_back() {
    local now
    now=$(echo_packets "$1")
    (( now > $2 )) || e2e_fail "no connection moved back to $1 after it returned (packets $2 -> $now)"
    e2e_log "$1 carries connections again (echo packets $2 -> $now)"
}

stop="$LAB_DIR/stop-hold"
lab_bg client hold "$LAB_PYTHON" "$LAB_SRC_DIR/hold_connections.py" "$LAB_VIP4" "$LAB_ECHO_PORT" "$HELD" 5000 0.2 "$stop"
lab_wait_for 30 round_at_least 3 || e2e_fail "the connections did not start: $(tail -3 "$LAB_DIR/hold.log")"
for node in "${ECMP_NODES[@]}"; do
    (( $(echo_packets "$node") > 0 )) || e2e_fail "no held connection goes through $node"
done
e2e_log "$HELD connections held, every node carries some"

# --- 1. abrupt death ---------------------------------------------------------------------
victim=l4b
ecmp_node_kill "$victim"
t=$(ecmp_time_until 30 ecmp_lacks_nexthop "$LAB_VIP4" "$(nh_of "$victim")") \
    || e2e_fail "the router still sends to $victim: $(ecmp_nexthops "$LAB_VIP4" | xargs)"
e2e_log "abrupt kill of $victim (BIRD, agent, XDP): the router stopped sending to it after ${t} ms"
live_with 5
ecmp_node_start "$victim" || e2e_fail "could not restart $victim"
before=$(echo_packets "$victim")
back_to_three "$victim restarted"
live_with 5
moved_back "$victim" "$before"

# --- 2. the agent alone crashes -----------------------------------------------------------
kill -KILL "$(lab_pid "agent-$victim")"
t=$(ecmp_time_until 30 ecmp_lacks_nexthop "$LAB_VIP4" "$(nh_of "$victim")") \
    || e2e_fail "$victim's routes outlived its agent: $(ecmp_nexthops "$LAB_VIP4" | xargs)"
e2e_log "agent of $victim SIGKILLed (BIRD alive): the watchdog withdrew its routes after ${t} ms"
grep -q "VIP routes withdrawn" "$LAB_DIR/agent-$victim.log" || e2e_fail "the watchdog did not report the withdrawal"
live_with 5
ecmp_node_start "$victim" || e2e_fail "could not restart $victim's agent"
before=$(echo_packets "$victim")
back_to_three "$victim's agent restarted"
live_with 5
moved_back "$victim" "$before"

# --- 3. the node hangs: its BGP sessions stay open, BFD stops answering ----------------------
bird_pid=$(lab_pid "bird-$victim"); agent_pid=$(lab_pid "agent-$victim")
kill -STOP "$bird_pid" "$agent_pid"
t=$(ecmp_time_until 30 ecmp_lacks_nexthop "$LAB_VIP4" "$(nh_of "$victim")") \
    || { kill -CONT "$bird_pid" "$agent_pid"; e2e_fail "the router still sends to hung $victim"; }
e2e_log "$victim hung (BIRD and agent stopped): BFD took it out after ${t} ms"
live_with 5
kill -CONT "$bird_pid" "$agent_pid"
before=$(echo_packets "$victim")
back_to_three "$victim resumed"
live_with 5
moved_back "$victim" "$before"

# --- 4. link down ---------------------------------------------------------------------------
lab_exec "$victim" ip link set dev eth0 down
t=$(ecmp_time_until 30 ecmp_lacks_nexthop "$LAB_VIP4" "$(nh_of "$victim")") \
    || e2e_fail "the router still sends to $victim with its link down"
e2e_log "link of $victim down: the router stopped sending to it after ${t} ms"
live_with 5
lab_exec "$victim" ip link set dev eth0 up
# Routes through a device are flushed when it goes down; a real node's routing daemon
# would put the default route back, here the test does.
n=$(ecmp_index "$victim")
lab_exec "$victim" ip route replace default via "198.18.$n.1" dev eth0
lab_exec "$victim" ip -6 route replace default via "2001:db8:0:$((n + 1))::1" dev eth0
before=$(echo_packets "$victim")
back_to_three "link of $victim up"
live_with 5
moved_back "$victim" "$before"

# --- 5. drain a node, then stop it -----------------------------------------------------------
drained=l4c
out=$(lab_xlb "$drained" node drain --config "$(ecmp_dir "$drained")/xlb.yaml" 2>&1) || e2e_fail "xlb node drain: $out"
e2e_log "xlb node drain $drained: $out"
t=$(ecmp_time_until 30 ecmp_lacks_nexthop "$LAB_VIP4" "$(nh_of "$drained")") \
    || e2e_fail "the router still sends to drained $drained"
e2e_log "drained $drained: the router stopped sending to it after ${t} ms"
(( $(ecmp_nexthop_count "$LAB_VIP6") == 2 )) || e2e_fail "$drained still announces the IPv6 VIP"
live_with 5
before=$(echo_packets "$drained")
live_with 3
(( $(echo_packets "$drained") == before )) || e2e_fail "traffic still reaches drained $drained"
ecmp_node_stop "$drained" || e2e_fail "$drained did not stop cleanly"
live_with 5

touch "$stop"
lab_wait_for 60 grep -q '^summary' "$LAB_DIR/hold.log" || e2e_fail "the connections did not finish: $(tail -3 "$LAB_DIR/hold.log")"
summary=$(grep '^summary' "$LAB_DIR/hold.log")
e2e_log "$summary after $(last_round) rounds"
broken_lines=$(grep '^conn .* broken' "$LAB_DIR/hold.log" || true)
[[ -z "$broken_lines" ]] || printf '%s\n' "$broken_lines" | head -5 | sed 's/^/  /'
[[ "$summary" == "summary ok=$HELD broken=0" ]] || e2e_fail "connections broke: $summary"
e2e_pass "$HELD connections survived a node kill, an agent crash, a hang, a link down, their recoveries and a drain"
