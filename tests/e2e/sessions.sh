#!/usr/bin/env bash
# e2e: 30 long-lived TCP connections through a VIP that uses the session cache, and 30
# through the same service made stateless, while the backend set changes twice (a
# backend added, then weights changed). Every cached connection survives; the stateless
# ones break where Maglev moved their slot. Prints both counts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

cfg="$LAB_XLB_CONFIG"
two='[{address: 198.18.11.2}, {address: 198.18.12.2}]'
three='[{address: 198.18.11.2}, {address: 198.18.12.2}, {address: 198.18.13.2}]'
weighted='[{address: 198.18.11.2, weight: 3}, {address: 198.18.12.2}, {address: 198.18.13.2}]'
# The echo service on the main VIP (cached) and on the spare VIP (stateless).
write_echo_vips() {
    sed -i '/name: echo/d' "$cfg"
    printf '  - {name: echo4, address: %s, port: %s, protocol: tcp, backends: %s}\n' \
        "$LAB_VIP4" "$LAB_ECHO_PORT" "$1" >>"$cfg"
    printf '  - {name: echo4-stateless, address: %s, port: %s, protocol: tcp, stateless: true, backends: %s}\n' \
        "$LAB_VIP4_ALT" "$LAB_ECHO_PORT" "$1" >>"$cfg"
}
applied() { grep -c 'applied .* VIP services' "$LAB_DIR/agent.log" || true; }
applied_more_than() { (( $(applied) > $1 )); }
reload_with() {
    local before
    before=$(applied)
    write_echo_vips "$1"
    kill -HUP "$(lab_pid agent)"
    lab_wait_for 30 applied_more_than "$before" || e2e_fail "the agent did not apply the change"
}
round_seen() { grep -q "^round $2\$" "$LAB_DIR/$1.log"; }
finished() { grep -q '^summary' "$LAB_DIR/$1.log"; }

reload_with "$two"
ROUNDS=40
for run in cached stateless; do
    vip="$LAB_VIP4"; [[ $run == stateless ]] && vip="$LAB_VIP4_ALT"
    lab_bg client "hold_$run" "$LAB_PYTHON" "$LAB_SRC_DIR/hold_connections.py" "$vip" "$LAB_ECHO_PORT" 30 "$ROUNDS" 0.2
done
for run in cached stateless; do
    lab_wait_for 60 round_seen "hold_$run" 5 || e2e_fail "connections did not start: $(tail -3 "$LAB_DIR/hold_$run.log")"
done

e2e_log "adding be3"
reload_with "$three"
lab_wait_for 60 round_seen hold_cached 20 || e2e_fail "connections stalled after adding a backend"
e2e_log "changing weights"
reload_with "$weighted"

for run in cached stateless; do
    lab_wait_for 90 finished "hold_$run" || e2e_fail "$run run did not finish: $(tail -3 "$LAB_DIR/hold_$run.log")"
done
cached=$(grep '^summary' "$LAB_DIR/hold_cached.log")
stateless=$(grep '^summary' "$LAB_DIR/hold_stateless.log")
printf '  with the session cache:    %s\n  stateless (no cache):      %s\n' "$cached" "$stateless"
[[ "$cached" == "summary ok=30 broken=0" ]] || {
    grep broken "$LAB_DIR/hold_cached.log" | head -5
    e2e_fail "connections through the cached VIP broke"
}
# Adding a third backend moves about a third of the slots: with 30 connections, none
# breaking without the cache would mean the change never reached the data plane.
[[ "$stateless" != "summary ok=30 broken=0" ]] || e2e_fail "no stateless connection moved: did the ring change?"
e2e_pass "cached: $cached; stateless: $stateless"
