#!/usr/bin/env bash
# e2e: a SYN flood from spoofed sources does not flood the session cache, and the real
# connections it holds survive it.
#
# xlb runs with a small cache (8192 entries) and a low flood threshold (stateless above
# 2000 new flows/s per CPU, back below 1000). Ten echo connections are opened first; their
# VIP has two backends. lab/syn_flood.py then sends at most 30000 SYNs in at most 5 s
# (paced to 20000/s) to the HTTP VIP from random sources in 198.18.128.0/17. Proven:
#   - the CPUs that took the flood switched to stateless mode (stateless_enter) and skipped
#     inserts (session_insert_skipped);
#   - the cache stayed far below the number of flood flows, and never full (sampled
#     during the flood);
#   - after the flood a third backend is added to the echo VIP: the ten connections go on
#     unbroken, so their cache entries survived (without them, Maglev would move about a
#     third of them to the new backend);
#   - once new connections arrive at a normal pace, every CPU leaves stateless mode
#     (stateless_leave catches up with stateless_enter) and a new connection is cached.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CACHE_SIZE=8192
ABOVE=2000
BELOW=1000
FLOOD_COUNT=30000
FLOOD_SECONDS=5
FLOOD_PPS=20000   # 10x the threshold; paced, so the veth rings of the lab do not overflow
HELD=10
two='[{address: 198.18.11.2}, {address: 198.18.12.2}]'
three='[{address: 198.18.11.2}, {address: 198.18.12.2}, {address: 198.18.13.2}]'

# The steps of e2e_setup, with the node and dataplane keys added before the agent starts
# (session_cache_size is fixed at load time) and the echo VIP on two backends.
lab_skip_unless_root_and_netns
lab_xlb_check_binaries || e2e_fail "xlb binaries missing in XLB_BUILD_DIR=$XLB_BUILD_DIR"
lab_install_trap
lab_up || e2e_fail "could not build the lab"
lab_xlb_prepare_backends || e2e_fail "could not prepare the backends"
cfg="$LAB_XLB_CONFIG"
lab_xlb_write_config
sed -i "/^vips:/i\\
  stateless_above: $ABOVE\\
  stateless_below: $BELOW\\
dataplane:\\
  session_cache_size: $CACHE_SIZE" "$cfg"
sed -i "/name: echo4/s/backends: .*}\$/backends: $two}/" "$cfg"
if ! grep -q "session_cache_size: $CACHE_SIZE" "$cfg" \
        || ! grep -qF "port: $LAB_ECHO_PORT, protocol: tcp, backends: $two}" "$cfg"; then
    e2e_fail "could not edit the config: $(cat "$cfg")"
fi
lab_xlb_start_agent 60 || e2e_fail "xlb-agent did not become ready"
lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
    || e2e_fail "the IPv4 VIP does not answer through xlb"

counter() { lab_xlb_counter "$1" || e2e_fail "no counter $1"; }
entries() {
    lab_exec l4 bpftool -j map dump pinned "$LAB_PIN_DIR/xlb_sessions_v2" \
        | "$LAB_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
mode() { lab_xlb_show_json | "$LAB_PYTHON" -c "import json,sys; print(json.load(sys.stdin)['stateless_mode']$1)"; }
round_seen() { grep -q "^round $1\$" "$LAB_DIR/hold.log"; }
last_round() { awk '$1 == "round" { r = $2 } END { print r + 0 }' "$LAB_DIR/hold.log"; }
finished() { grep -q '^summary' "$LAB_DIR/hold.log"; }
applied() { grep -c 'event=applied ' "$LAB_DIR/agent.log" || true; }
applied_more_than() { (( $(applied) > $1 )); }

[[ "$(mode "['stateless_above']")" == "$ABOVE" ]] || e2e_fail "stateless_above not in the data plane: $(mode '')"
[[ "$(mode "['cpus_stateless_now']")" == "[]" ]] || e2e_fail "a CPU is stateless before any flood: $(mode '')"

# 1. Long-lived connections, before the flood.
lab_bg client hold "$LAB_PYTHON" "$LAB_SRC_DIR/hold_connections.py" "$LAB_VIP4" "$LAB_ECHO_PORT" "$HELD" 150 0.2
lab_wait_for 60 round_seen 3 || e2e_fail "held connections did not start: $(tail -3 "$LAB_DIR/hold.log")"
enter0=$(counter stateless_enter); leave0=$(counter stateless_leave)
insert0=$(counter session_insert); skipped0=$(counter session_insert_skipped)
newflow0=$(counter new_flow); entries0=$(entries) || e2e_fail "cannot read the session map"
e2e_log "before the flood: $entries0 cache entries, $HELD connections held"

# 2. The flood (bounded: FLOOD_COUNT SYNs, FLOOD_SECONDS s), the cache sampled meanwhile.
router_mac=$(lab_exec router ip -j link show dev r-client | "$LAB_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
samples="$LAB_DIR/entries_during_flood.txt"
: >"$samples"
(
    end=$(( $(date +%s) + FLOOD_SECONDS + 30 ))
    while [[ ! -e "$LAB_DIR/flood.done" ]] && (( $(date +%s) < end )); do
        entries >>"$samples" || true
        sleep 0.1
    done
) &
sampler=$!
lab_exec client "$LAB_PYTHON" "$LAB_SRC_DIR/syn_flood.py" --iface eth0 --dst "$LAB_VIP4" \
    --dport "$LAB_HTTP_PORT" --src-net 198.18.128.0/17 --exclude "$LAB_ENCAP_SRC4" \
    --count "$FLOOD_COUNT" --seconds "$FLOOD_SECONDS" --pps "$FLOOD_PPS" --dst-mac "$router_mac" \
    >"$LAB_DIR/flood.log" 2>&1 || { cat "$LAB_DIR/flood.log" >&2; e2e_fail "syn_flood.py failed"; }
touch "$LAB_DIR/flood.done"
wait "$sampler" || true
flood=$(cat "$LAB_DIR/flood.log")
e2e_log "flood: $flood"
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$flood")
rate=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$flood")
flows=$(sed -n 's/.* flows=\([0-9]*\).*/\1/p' <<<"$flood")
[[ -n "$sent" && -n "$rate" && -n "$flows" ]] || e2e_fail "cannot read the flood's figures: $flood"
flood_round=$(last_round)

# The SYNs are counted by xlb as they get there (some may still be queued): wait until
# new_flow stops moving.
settled() {
    local a b
    a=$(counter new_flow); sleep 0.5; b=$(counter new_flow)
    [[ "$a" == "$b" ]]
}
lab_wait_for 30 settled || e2e_fail "new_flow keeps moving after the flood"
enter1=$(counter stateless_enter); leave1=$(counter stateless_leave)
insert1=$(counter session_insert); skipped1=$(counter session_insert_skipped)
newflow1=$(counter new_flow); entries1=$(entries) || e2e_fail "cannot read the session map"
max_during=$(sort -n "$samples" | tail -1); max_during=${max_during:-$entries1}
(( entries1 > max_during )) && max_during=$entries1
seen=$(( newflow1 - newflow0 ))
stateless_s=$(mode "['stateless_seconds_total']")

printf '  flood: %s SYNs sent (%s distinct flows) at %s/s; %s new flows reached xlb\n' "$sent" "$flows" "$rate" "$seen"
printf '  cache: %s inserts, %s skipped; %s entries after (before: %s, most while flooding: %s, size %s)\n' \
    "$(( insert1 - insert0 ))" "$(( skipped1 - skipped0 ))" "$entries1" "$entries0" "$max_during" "$CACHE_SIZE"
printf '  stateless mode: entered %s time(s), left %s, CPUs stateless now %s, %s s so far\n' \
    "$(( enter1 - enter0 ))" "$(( leave1 - leave0 ))" "$(mode "['cpus_stateless_now']")" "$stateless_s"

# Not every SYN needs to arrive (a loaded lab may drop some between the namespaces), but
# enough for a flood: more than the whole cache.
(( seen > CACHE_SIZE )) || e2e_fail "only $seen of $sent flood SYNs reached xlb"
(( enter1 - enter0 >= 1 )) || e2e_fail "no CPU entered stateless mode under a flood of $rate SYNs/s"
(( skipped1 - skipped0 > 0 )) || e2e_fail "no insert was skipped during the flood"
(( max_during < CACHE_SIZE )) || e2e_fail "the session cache filled up ($max_during of $CACHE_SIZE entries)"
(( entries1 - entries0 < seen / 4 )) \
    || e2e_fail "the flood filled the cache: $(( entries1 - entries0 )) new entries for $seen flood flows"

# 3. A third backend for the echo VIP: the held connections keep their backends only if
# their cache entries are still there.
before=$(applied)
sed -i "/name: echo4/s/backends: .*}\$/backends: $three}/" "$cfg"
kill -HUP "$(lab_pid agent)"
lab_wait_for 30 applied_more_than "$before" || e2e_fail "the agent did not apply the third backend"
lab_wait_for 60 round_seen $(( flood_round + 10 )) \
    || e2e_fail "held connections stalled after the flood: $(tail -3 "$LAB_DIR/hold.log")"

# 4. Back to caching: new connections at a normal pace, each CPU in turn (a CPU leaves
# only when a new flow arrives on it after a quiet window), until every CPU has left.
ncpu=$(nproc)
left_all() { (( $(counter stateless_leave) >= $(counter stateless_enter) )); }
deadline=$(( $(date +%s) + 30 ))
tries=0
while ! left_all; do
    (( $(date +%s) < deadline && tries < 150 )) \
        || e2e_fail "stateless mode did not end after $tries connections: $(mode '')"
    lab_exec client taskset -c $(( tries % ncpu )) curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" || true
    tries=$(( tries + 1 ))
    sleep 0.15
done
[[ "$(mode "['cpus_stateless_now']")" == "[]" ]] || e2e_fail "stateless_leave caught up but a CPU is still stateless: $(mode '')"
stateless_s=$(mode "['stateless_seconds_total']")
insert2=$(counter session_insert)
out=$(lab_exec client curl -sf --max-time 5 "http://$LAB_VIP4/") || e2e_fail "a new connection after the flood failed"
[[ "$out" == backend=be* ]] || e2e_fail "unexpected answer after the flood: $out"
# The SYN was cached before the backend could answer it: no need to wait.
insert3=$(counter session_insert)
(( insert3 > insert2 )) || e2e_fail "a new connection after the flood was not cached (session_insert $insert2 -> $insert3)"
printf '  back to caching after %s connection(s); %s s in stateless mode in all; stateless_enter %s, stateless_leave %s\n' \
    "$tries" "$stateless_s" "$(counter stateless_enter)" "$(counter stateless_leave)"

# 5. The held connections end unbroken.
lab_wait_for 120 finished || e2e_fail "held connections did not finish: $(tail -3 "$LAB_DIR/hold.log")"
held=$(grep '^summary' "$LAB_DIR/hold.log")
printf '  held connections: %s\n' "$held"
[[ "$held" == "summary ok=$HELD broken=0" ]] || {
    grep broken "$LAB_DIR/hold.log" | head -5
    e2e_fail "held connections broke during/after the flood"
}
e2e_pass "flood of $sent SYNs at $rate/s: $(( insert1 - insert0 )) inserts, $(( skipped1 - skipped0 )) skipped, $entries1 entries; held: $held"
