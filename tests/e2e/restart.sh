#!/usr/bin/env bash
# e2e: with on_exit: keep, the agent can stop and start again while a TCP connection is in
# use: the XDP program and pinned maps keep forwarding without it, the new agent takes the
# pinned maps over, and the connection never notices. Counters survive the restart.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

cfg="$LAB_XLB_CONFIG"
sed -i '/^node:/a\  on_exit: keep' "$cfg"
applied_twice() { (( $(grep -c 'event=applied ' "$LAB_DIR/agent.log") >= 2 )); }
kill -HUP "$(lab_pid agent)"
lab_wait_for 30 applied_twice || e2e_fail "the agent did not take on_exit: keep"

lab_bg client echo_client "$LAB_PYTHON" "$LAB_SRC_DIR/echo_client.py" "$LAB_VIP4" "$LAB_ECHO_PORT" 120
client=$LAB_LAST_PID
lab_wait_for 20 grep -q '^reply 5 ' "$LAB_DIR/echo_client.log" || e2e_fail "the echo connection did not start"
tx_before=$(lab_xlb_counter tx)

e2e_log "stopping the agent (on_exit: keep)"
kill -TERM "$(lab_pid agent)"
lab_wait_for 30 grep -q 'on_exit: keep' "$LAB_DIR/agent.log" || e2e_fail "the agent did not stop as asked"
grep -q 'prog/xdp.*name xlb_l4' <<<"$(lab_exec l4 ip link show eth0)" || e2e_fail "XDP was detached despite on_exit: keep"
lab_http_many client 10 "http://$LAB_VIP4/" >"$LAB_DIR/no_agent.txt"
(( $(e2e_errors "$LAB_DIR/no_agent.txt") == 0 )) || e2e_fail "requests failed while no agent ran"

e2e_log "starting the agent again"
lab_xlb_start_agent 60 || e2e_fail "the agent did not start over the pinned maps"
grep -q 'took over 4 services' "$LAB_DIR/agent.log" || e2e_fail "the new agent did not take over the pinned maps"

lab_wait_for 60 grep -q '^done' "$LAB_DIR/echo_client.log" || e2e_fail "the echo connection did not finish: $(tail -2 "$LAB_DIR/echo_client.log")"
! grep -q '^ERROR' "$LAB_DIR/echo_client.log" || e2e_fail "$(grep '^ERROR' "$LAB_DIR/echo_client.log")"
(( $(grep -c '^reply ' "$LAB_DIR/echo_client.log") == 120 )) || e2e_fail "lines were lost"
(( $(awk '$1 == "reply" { print $3 }' "$LAB_DIR/echo_client.log" | sort -u | wc -l) == 1 )) \
    || e2e_fail "the connection changed backends"
tx_after=$(lab_xlb_counter tx)
(( tx_after > tx_before )) || e2e_fail "counters went back across the restart ($tx_before -> $tx_after)"
e2e_pass "120 lines over one connection across an agent restart; counters kept"
