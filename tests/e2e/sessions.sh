#!/usr/bin/env bash
# e2e: flows that survive change. 30 long-lived TCP connections stream lines through a VIP
# that uses the session cache, and 30 through the same service made stateless, while the
# backend set changes four times:
#   (a) a backend is added, (b) weights change,
#   (c) a backend that some connections use is drained with `xlb l4 drain`,
#   (d) another backend that some connections use is set DOWN in the config.
# Every reply is checked against the line sent. With the cache, every connection completes
# intact, those on the draining backend included, except the ones on the DOWN backend: their
# flows are balanced afresh and the new backend resets them. Prints the broken counts of
# both runs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

cfg="$LAB_XLB_CONFIG"
admin="$LAB_DIR/admin-state.json"
addr_of() { echo "${LAB_BE_ADDRS4[${1#be} - 1]}"; }

# backends_yaml COUNT WEIGHT_OF_BE1 [DOWN_BACKEND_NAME]
backends_yaml() {
    local count="$1" w1="$2" down="${3:-}" n out="" extra
    for ((n = 1; n <= count; n++)); do
        extra=""
        if ((n == 1)); then extra+=", weight: $w1"; fi
        if [[ "be$n" == "$down" ]]; then extra+=", state: down"; fi
        out+="${out:+, }{address: $(addr_of "be$n")$extra}"
    done
    echo "[$out]"
}
# The echo service on the main VIP (cached) and on the spare VIP (stateless).
write_echo_vips() {
    sed -i '/name: echo/d' "$cfg"
    printf '  - {name: echo4, address: %s, port: %s, protocol: tcp, backends: %s}\n' \
        "$LAB_VIP4" "$LAB_ECHO_PORT" "$1" >>"$cfg"
    printf '  - {name: echo4-stateless, address: %s, port: %s, protocol: tcp, stateless: true, backends: %s}\n' \
        "$LAB_VIP4_ALT" "$LAB_ECHO_PORT" "$1" >>"$cfg"
}
applied() { grep -c 'event=applied ' "$LAB_DIR/agent.log" || true; }
applied_more_than() { (( $(applied) > $1 )); }
reload_with() {
    local before
    before=$(applied)
    write_echo_vips "$1"
    kill -HUP "$(lab_pid agent)"
    lab_wait_for 30 applied_more_than "$before" || e2e_fail "the agent did not apply the change"
}
last_round() { awk '$1 == "round" { r = $2 } END { print r + 0 }' "$LAB_DIR/$1.log"; }
round_at_least() { (( $(last_round "$1") >= $2 )); }
# after_rounds N — wait until both runs have made N more rounds (the change has been lived with).
after_rounds() {
    local run target
    for run in cached stateless; do
        target=$(( $(last_round "hold_$run") + $1 ))
        lab_wait_for 60 round_at_least "hold_$run" "$target" \
            || e2e_fail "$run connections stalled: $(tail -3 "$LAB_DIR/hold_$run.log")"
    done
}
finished() { grep -q '^summary' "$LAB_DIR/$1.log"; }
state_in_show() {  # VIP_LABEL ADDRESS -> state the data plane shows
    lab_xlb_show_json | "$LAB_PYTHON" -c '
import json, sys
for v in json.load(sys.stdin)["vips"]:
    if v["service"] == sys.argv[1]:
        for b in v["backends"]:
            if b["address"] == sys.argv[2]: print(b["state"])' "$1" "$2"
}

reload_with "$(backends_yaml 2 1)"
stop="$LAB_DIR/hold.stop"
for run in cached stateless; do
    vip="$LAB_VIP4"; [[ $run == stateless ]] && vip="$LAB_VIP4_ALT"
    lab_bg client "hold_$run" "$LAB_PYTHON" "$LAB_SRC_DIR/hold_connections.py" "$vip" "$LAB_ECHO_PORT" 30 400 0.1 "$stop"
done
for run in cached stateless; do
    lab_wait_for 60 round_at_least "hold_$run" 2 || e2e_fail "connections did not start: $(tail -3 "$LAB_DIR/hold_$run.log")"
done
# Which backend each cached connection started on: one of be1, be2 is drained, the other set down.
count_on() { awk -v b="$2" '$1 == "first" && $3 == b { n++ } END { print n + 0 }' "$LAB_DIR/$1.log"; }
drained=be1 down=be2
if (( $(count_on hold_cached be1) == 0 )); then drained=be2 down=be1; fi
(( $(count_on hold_cached "$down") > 0 )) || e2e_fail "all 30 cached connections on $drained: cannot test DOWN"
e2e_log "cached connections: be1 $(count_on hold_cached be1), be2 $(count_on hold_cached be2); drain $drained, down $down"

e2e_log "(a) adding be3"
reload_with "$(backends_yaml 3 1)"
after_rounds 5
e2e_log "(b) weights 3:1:1"
reload_with "$(backends_yaml 3 3)"
after_rounds 5
e2e_log "(c) draining $drained with xlb l4 drain"
for vip in "$LAB_VIP4" "$LAB_VIP4_ALT"; do
    lab_xlb l4 l4 drain "$vip:$LAB_ECHO_PORT/tcp" "$(addr_of "$drained")" --pin-dir "$LAB_PIN_DIR" \
        --admin-state-file "$admin" || e2e_fail "xlb l4 drain failed"
done
after_rounds 5
e2e_log "(d) $down DOWN in the config"
reload_with "$(backends_yaml 3 3 "$down")"
[[ "$(state_in_show "$LAB_VIP4:$LAB_ECHO_PORT/tcp" "$(addr_of "$drained")")" == draining ]] \
    || e2e_fail "the drain did not survive the reload"
[[ "$(state_in_show "$LAB_VIP4:$LAB_ECHO_PORT/tcp" "$(addr_of "$down")")" == down ]] \
    || e2e_fail "$down is not down in xlb l4 show"
after_rounds 5
touch "$stop"
for run in cached stateless; do
    lab_wait_for 90 finished "hold_$run" || e2e_fail "$run run did not finish: $(tail -3 "$LAB_DIR/hold_$run.log")"
done

cached=$(grep '^summary' "$LAB_DIR/hold_cached.log")
stateless=$(grep '^summary' "$LAB_DIR/hold_stateless.log")
printf '  with the session cache:    %s (on the DOWN backend: %s)\n  stateless (no cache):      %s\n' \
    "$cached" "$(count_on hold_cached "$down")" "$stateless"
# With the cache, exactly the connections that started on the DOWN backend broke.
wrong=$(awk -v d="$down" '$1 == "conn" && (($3 == d) != ($4 != "ok")) { print }' "$LAB_DIR/hold_cached.log")
[[ -z "$wrong" ]] || { echo "$wrong" | head -5; e2e_fail "cached connections broke other than those on $down (above)"; }
drained_ok=$(awk -v d="$drained" '$1 == "conn" && $3 == d && $4 == "ok" { n++ } END { print n + 0 }' \
    "$LAB_DIR/hold_cached.log")
(( drained_ok == $(count_on hold_cached "$drained") && drained_ok > 0 )) \
    || e2e_fail "connections on the draining backend $drained did not all complete"
# Adding a third backend moves about a third of the slots: with 30 connections, none
# breaking without the cache would mean the changes never reached the data plane.
[[ "$stateless" != "summary ok=30 broken=0" ]] || e2e_fail "no stateless connection moved: did the ring change?"
e2e_pass "cached: $cached ($drained_ok on the draining backend all completed); stateless: $stateless"
