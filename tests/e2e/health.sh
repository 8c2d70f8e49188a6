#!/usr/bin/env bash
# e2e: per-VIP health checks take dead backends out of the Maglev ring and bring them back.
#
# The web4 VIP carries an http check (GET /health) and the dns4 VIP a udp check, both
# with a short interval. The test proves, with real traffic from the client:
#   1. with every backend healthy, `xlb l4 show` lists all three "active" and new HTTP
#      connections spread over all three;
#   2. when be2's server stops, the agent marks be2 "down" for web4 (the detection time
#      is printed next to the bound interval x fall + interval) and new connections all
#      succeed on be1/be3, none on be2;
#   3. when be2's server is back, be2 is "active" again, the agent logs event=backend_up,
#      and new connections reach be2 again;
#   4. a udp check: with be3's server stopped, be3 goes down for dns4 (ICMP port
#      unreachable) and UDP through the VIP avoids it; it comes back when restarted;
#      ping checks (echo4 over ICMP, web6 over ICMPv6): be1 ignoring echo requests goes
#      down for those two VIPs only, and comes back;
#   5. with every server stopped, every backend goes down and new connections fail within
#      the client's timeout, counted by the data plane: when the build has the
#      reset_no_backend counter, each SYN is refused with a RST (curl: connection refused)
#      and counted there; otherwise the SYNs are dropped and counted as drop_no_backend.
#      Restarting the servers makes the VIP answer again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INTERVAL_MS=300
TIMEOUT_MS=200
RISE=2
FALL=2
HTTP_CHECK="{type: http, path: /health, interval_ms: $INTERVAL_MS, timeout_ms: $TIMEOUT_MS, rise: $RISE, fall: $FALL}"
UDP_CHECK="{type: udp, interval_ms: $INTERVAL_MS, timeout_ms: $TIMEOUT_MS, rise: $RISE, fall: $FALL}"
PING_CHECK="{type: ping, interval_ms: $INTERVAL_MS, timeout_ms: $TIMEOUT_MS, rise: $RISE, fall: $FALL}"
WEB4="$LAB_VIP4 $LAB_HTTP_PORT tcp"
DNS4="$LAB_VIP4 $LAB_UDP_PORT udp"
ECHO4="$LAB_VIP4 $LAB_ECHO_PORT tcp"
WEB6="$LAB_VIP6 $LAB_HTTP_PORT tcp"
WEB4_LABEL="$LAB_VIP4:$LAB_HTTP_PORT/tcp"
DNS4_LABEL="$LAB_VIP4:$LAB_UDP_PORT/udp"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# start_server BE — lab/backend_server.py in BE, like lab_backend_server_start, but its UDP
# service also answers on the backend's own address: that is where the agent's udp check
# goes (backend_server.py binds UDP to the addresses given with --vip only).
start_server() {
    local be="$1" v args=()
    for v in "${LAB_VIPS[@]}"; do args+=(--vip "$v"); done
    args+=(--vip "$(lab_be_addr4 "${be#be}")")
    lab_bg "$be" "server-$be" "$LAB_PYTHON" "$LAB_SRC_DIR/backend_server.py" --name "$be" "${args[@]}" \
        --http-port "$LAB_HTTP_PORT" --udp-port "$LAB_UDP_PORT" --echo-port "$LAB_ECHO_PORT"
    lab_wait_for 30 grep -q ' ready ' "$LAB_DIR/server-$be.log" || e2e_fail "backend server in $be did not start"
}
stop_server() { lab_backend_server_stop "$1" || e2e_fail "could not stop the server in $1"; }

# state_of ADDR PORT PROTO BACKEND — the backend's "state" in `xlb l4 show --json`.
state_of() {
    local json
    json="$(lab_xlb_show_json)" || return 1
    "$LAB_PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
for v in d.get("vips", []):
    if v["address"] == sys.argv[2] and str(v["port"]) == sys.argv[3] and v["protocol"] == sys.argv[4]:
        for b in v.get("backends", []):
            if b["address"] == sys.argv[5]:
                print(b["state"]); sys.exit(0)
sys.exit(1)' "$json" "$@"
}
is_state() {  # is_state WANT ADDR PORT PROTO BACKEND
    local want="$1"; shift
    [[ "$(state_of "$@")" == "$want" ]]
}
all_in_state() {  # all_in_state WANT ADDR PORT PROTO
    local want="$1" a
    shift
    for a in "${LAB_BE_ADDRS4[@]}"; do is_state "$want" "$@" "$a" || return 1; done
}
# log_delay PATTERN T0 — seconds from T0 (date +%s.%N) to the agent's last log line with
# PATTERN (the agent stamps its lines with the local time, milliseconds).
log_delay() {
    local stamp t
    stamp=$(grep -F -- "$1" "$LAB_DIR/agent.log" | tail -1 | awk '{ print $1 }')
    t=$(date -d "$stamp" +%s.%N 2>/dev/null) || { echo "?"; return 0; }
    awk -v a="$2" -v b="$t" 'BEGIN { printf "%.2f", b - a }'
}
agent_log_has() { grep -qF -- "$1" "$LAB_DIR/agent.log"; }
counter() { lab_xlb_counter "$1" || e2e_fail "no counter $1 in xlb l4 show --json"; }

# ---------------------------------------------------------------------------------------
# 1. Setup: e2e_setup, with the backend servers answering UDP on their own address and
#    health checks on web4 (http) and dns4 (udp).
# ---------------------------------------------------------------------------------------
lab_skip_unless_root_and_netns
lab_xlb_check_binaries || e2e_fail "xlb binaries missing in XLB_BUILD_DIR=$XLB_BUILD_DIR"
lab_install_trap
lab_up || e2e_fail "could not build the lab"
lab_xlb_prepare_backends || e2e_fail "could not prepare the backends"
for b in "${LAB_BACKENDS[@]}"; do
    stop_server "$b"
    start_server "$b"
done
lab_xlb_write_config
sed -i -e "/name: web4,/s|backends:|health_check: $HTTP_CHECK, backends:|" \
    -e "/name: dns4,/s|backends:|health_check: $UDP_CHECK, backends:|" \
    -e "/name: echo4,/s|backends:|health_check: $PING_CHECK, backends:|" \
    -e "/name: web6,/s|backends:|health_check: $PING_CHECK, backends:|" "$LAB_XLB_CONFIG"
grep -q "name: web4.*health_check: {type: http" "$LAB_XLB_CONFIG" || e2e_fail "could not add the http check to web4"
grep -q "name: dns4.*health_check: {type: udp" "$LAB_XLB_CONFIG" || e2e_fail "could not add the udp check to dns4"
grep -q "name: web6.*health_check: {type: ping" "$LAB_XLB_CONFIG" || e2e_fail "could not add the ping check to web6"
lab_xlb_start_agent 60 || e2e_fail "xlb-agent did not become ready"
e2e_log "agent ready; waiting for http://$LAB_VIP4/ to answer through xlb"
lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
    || e2e_fail "the IPv4 VIP does not answer through xlb"

# ---------------------------------------------------------------------------------------
# 2. Baseline: everything active, new connections spread over all three backends.
# ---------------------------------------------------------------------------------------
# WEB4 and DNS4 are three words on purpose (unquoted below).
# shellcheck disable=SC2086
lab_wait_for 30 all_in_state active $WEB4 || e2e_fail "not every web4 backend is active: $(lab_xlb_show_json | head -c 2000)"
# shellcheck disable=SC2086
lab_wait_for 30 all_in_state active $DNS4 || e2e_fail "not every dns4 backend is active"
# Every server answered from the start, so no backend may have been taken down, not even
# for a moment at start-up (the first probe result alone decides the first verdict).
if grep -q 'event=backend_down' "$LAB_DIR/agent.log"; then
    grep 'event=backend_down' "$LAB_DIR/agent.log" | head -6 | sed 's/^/  agent: /' >&2
    e2e_fail "backends were marked down while every server was running (agent log above)"
fi
out="$LAB_DIR/baseline.txt"
lab_http_many client 60 "http://$LAB_VIP4/" >"$out"
lab_share_table "baseline, all healthy" <"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "baseline requests failed: $(grep '^ERROR' "$out" | lab_tally | tr '\n' ' ')"
for b in "${LAB_BACKENDS[@]}"; do
    n=$(e2e_count "backend=$b" "$out")
    (( n >= 5 )) || e2e_fail "baseline: $b served only $n of 60 requests"
done

# ---------------------------------------------------------------------------------------
# 3. be2's server stops: be2 goes down for web4, no new connection goes there.
# ---------------------------------------------------------------------------------------
be2=$(lab_be_addr4 2)
bound_ms=$(( INTERVAL_MS * FALL + INTERVAL_MS ))
# The server closes its sockets somewhere between SIGTERM (t_kill) and its exit (t0, seen by
# polling): the detection time is printed against both.
t_kill=$(now)
stop_server be2
t0=$(now)
# shellcheck disable=SC2086
lab_wait_for 30 is_state down $WEB4 "$be2" || e2e_fail "be2 did not go down for web4 within 30 s"
polled=$(since "$t0")
lab_wait_for 10 agent_log_has "event=backend_down service=$WEB4_LABEL backend=$be2 " \
    || e2e_fail "the agent did not log be2 going down for web4"
detect=$(log_delay "event=backend_down service=$WEB4_LABEL backend=$be2 " "$t_kill")
e2e_log "be2 down for web4: agent logged it ${detect}s after SIGTERM, $(log_delay "event=backend_down service=$WEB4_LABEL backend=$be2 " "$t0")s after the server was seen gone ($(awk -v a="$t_kill" -v b="$t0" 'BEGIN { printf "%.2f", b - a }')s after SIGTERM); show said down ${polled}s after it was seen gone (polled). Bound interval x fall + interval = ${bound_ms} ms"
grep -F "event=backend_down service=$WEB4_LABEL backend=$be2 " "$LAB_DIR/agent.log" | tail -1 | sed 's/^/  agent: /'
# shellcheck disable=SC2086
for a in "$(lab_be_addr4 1)" "$(lab_be_addr4 3)"; do
    is_state active $WEB4 "$a" || e2e_fail "$a is no longer active for web4 after be2 went down"
done
out="$LAB_DIR/be2_down.txt"
lab_http_many client 30 "http://$LAB_VIP4/" >"$out"
lab_share_table "be2 down" <"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "with be2 down, requests failed: $(grep '^ERROR' "$out" | lab_tally | tr '\n' ' ')"
(( $(e2e_count backend=be2 "$out") == 0 )) || e2e_fail "be2 is down but served $(e2e_count backend=be2 "$out") requests"
(( $(wc -l <"$out") == 30 )) || e2e_fail "expected 30 result lines"

# ---------------------------------------------------------------------------------------
# 4. be2's server is back: be2 is active again and takes new connections.
# ---------------------------------------------------------------------------------------
start_server be2
t0=$(now)
# shellcheck disable=SC2086
lab_wait_for 30 is_state active $WEB4 "$be2" || e2e_fail "be2 did not come back for web4 within 30 s"
polled=$(since "$t0")
lab_wait_for 10 agent_log_has "event=backend_up service=$WEB4_LABEL backend=$be2 " \
    || e2e_fail "the agent did not log that be2 is up again for web4"
recover=$(log_delay "event=backend_up service=$WEB4_LABEL backend=$be2 " "$t0")
e2e_log "be2 active again for web4: agent logged it ${recover}s after the server was ready, show after ${polled}s (polled); rise x interval = $(( RISE * INTERVAL_MS )) ms"
grep -F "event=backend_up service=$WEB4_LABEL backend=$be2 " "$LAB_DIR/agent.log" | tail -1 | sed 's/^/  agent: /'
out="$LAB_DIR/be2_back.txt"
lab_http_many client 60 "http://$LAB_VIP4/" >"$out"
lab_share_table "be2 back" <"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "after be2 came back, requests failed: $(grep '^ERROR' "$out" | lab_tally | tr '\n' ' ')"
(( $(e2e_count backend=be2 "$out") > 0 )) || e2e_fail "be2 is active again but served none of 60 requests"

# ---------------------------------------------------------------------------------------
# 5. udp check on dns4: be3's server stops, be3 goes down for dns4 and comes back.
# ---------------------------------------------------------------------------------------
be3=$(lab_be_addr4 3)
t_kill=$(now)
stop_server be3
t0=$(now)
# shellcheck disable=SC2086
lab_wait_for 30 is_state down $DNS4 "$be3" || e2e_fail "be3 did not go down for dns4 within 30 s"
polled=$(since "$t0")
lab_wait_for 10 agent_log_has "event=backend_down service=$DNS4_LABEL backend=$be3 " \
    || e2e_fail "the agent did not log be3 going down for dns4"
udp_detect=$(log_delay "event=backend_down service=$DNS4_LABEL backend=$be3 " "$t_kill")
e2e_log "be3 down for dns4: agent logged it ${udp_detect}s after SIGTERM, $(log_delay "event=backend_down service=$DNS4_LABEL backend=$be3 " "$t0")s after the server was seen gone; show said down ${polled}s after it was seen gone (polled). Bound ${bound_ms} ms"
grep -F "event=backend_down service=$DNS4_LABEL backend=$be3 " "$LAB_DIR/agent.log" | tail -1 | sed 's/^/  agent: /'
out="$LAB_DIR/udp_be3_down.txt"
lab_udp_many client 20 "$LAB_VIP4" "$LAB_UDP_PORT" >"$out"
lab_share_table "UDP, be3 down" <"$out"
(( $(e2e_errors "$out") == 0 )) || e2e_fail "with be3 down, datagrams went unanswered: $(grep '^ERROR' "$out" | head -3 | tr '\n' ' ')"
(( $(grep -c '^backend=be3 ' "$out" || true) == 0 )) || e2e_fail "be3 is down for dns4 but answered datagrams"
start_server be3
t0=$(now)
# shellcheck disable=SC2086
lab_wait_for 30 is_state active $DNS4 "$be3" || e2e_fail "be3 did not come back for dns4 within 30 s"
polled=$(since "$t0")
lab_wait_for 10 agent_log_has "event=backend_up service=$DNS4_LABEL backend=$be3 " \
    || e2e_fail "the agent did not log that be3 is up again for dns4"
e2e_log "be3 active again for dns4: agent logged it $(log_delay "event=backend_up service=$DNS4_LABEL backend=$be3 " "$t0")s after the server was ready, show after ${polled}s (polled)"

# ---------------------------------------------------------------------------------------
# 5b. ping checks on echo4 (ICMP) and web6 (ICMPv6): be1 stops answering echo requests,
#     be1 goes down for both while web4's http check keeps it active there; then back.
# ---------------------------------------------------------------------------------------
be1=$(lab_be_addr4 1)
be1_6=$(lab_be_addr6 1)
# shellcheck disable=SC2086
lab_wait_for 30 is_state active $ECHO4 "$be1" || e2e_fail "be1 is not active for echo4 before the ping step"
lab_exec be1 sysctl -qw net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1 \
    || e2e_fail "could not make be1 ignore echo requests"
# shellcheck disable=SC2086
lab_wait_for 30 is_state down $ECHO4 "$be1" || e2e_fail "be1 did not go down for echo4 (ping) within 30 s"
# shellcheck disable=SC2086
lab_wait_for 30 is_state down $WEB6 "$be1_6" || e2e_fail "be1 did not go down for web6 (ICMPv6 ping) within 30 s"
# shellcheck disable=SC2086
is_state active $WEB4 "$be1" || e2e_fail "be1 went down for web4 too, whose http check still passes"
grep -F "event=backend_down service=$LAB_VIP4:$LAB_ECHO_PORT/tcp backend=$be1 " "$LAB_DIR/agent.log" | tail -1 \
    | grep -q 'reason="timeout after' || e2e_fail "be1 down for echo4 without a ping timeout as the reason"
lab_exec be1 sysctl -qw net.ipv4.icmp_echo_ignore_all=0 net.ipv6.icmp.echo_ignore_all=0
# shellcheck disable=SC2086
lab_wait_for 30 is_state active $ECHO4 "$be1" || e2e_fail "be1 did not come back for echo4 (ping) within 30 s"
# shellcheck disable=SC2086
lab_wait_for 30 is_state active $WEB6 "$be1_6" || e2e_fail "be1 did not come back for web6 (ping) within 30 s"
e2e_log "ping checks: be1 went down for echo4 and web6 while ignoring echo requests, and came back"

# ---------------------------------------------------------------------------------------
# 6. Every server stops: every backend down, new connections fail within the client's
#    timeout and the data plane counts them.
# ---------------------------------------------------------------------------------------
# shellcheck disable=SC2086
lab_wait_for 30 all_in_state active $WEB4 || e2e_fail "not every web4 backend is active before the all-down step"
for b in "${LAB_BACKENDS[@]}"; do stop_server "$b"; done
t0=$(now)
# shellcheck disable=SC2086
lab_wait_for 30 all_in_state down $WEB4 || e2e_fail "not every web4 backend went down within 30 s"
e2e_log "all web4 backends down after $(since "$t0")s (polled)"

ATTEMPTS=10
MAX_TIME=2
if lab_xlb_counter reset_no_backend >/dev/null 2>&1; then
    mode=reset; cname=reset_no_backend
else
    mode=drop; cname=drop_no_backend
fi
before=$(counter "$cname")
res="$LAB_DIR/all_down.txt"
# shellcheck disable=SC2016  # the script runs in the client's shell
lab_exec client bash -c '
    for ((i = 0; i < $1; i++)); do
        s=$(date +%s%N)
        rc=0
        curl -sS --max-time "$2" -o /dev/null "$3" 2>/dev/null || rc=$?
        echo "rc=$rc ms=$(( ($(date +%s%N) - s) / 1000000 ))"
    done' all_down "$ATTEMPTS" "$MAX_TIME" "http://$LAB_VIP4/" >"$res"
after=$(counter "$cname")
lab_tally <"$res" | sed 's/^/  curl /'
awk -v lim="$MAX_TIME" '{ ms = substr($2, 4) + 0; t += ms; if (ms > m) m = ms }
    END { printf "  per attempt: mean %.0f ms, max %d ms (curl --max-time %ds)\n", t / NR, m, lim }' "$res"
e2e_log "$cname: $before -> $after over $ATTEMPTS attempts ($mode mode)"
(( $(wc -l <"$res") == ATTEMPTS )) || e2e_fail "expected $ATTEMPTS attempt lines"
if grep -q '^rc=0 ' "$res"; then e2e_fail "a connection succeeded with every backend down"; fi
# No attempt may hang past the client timeout (the slack covers a loaded machine).
slow=$(awk -v lim=$(( MAX_TIME * 1000 + 5000 )) 'substr($2, 4) + 0 > lim' "$res" | wc -l)
(( slow == 0 )) || e2e_fail "$slow attempts took longer than the client timeout + 5 s"
if [[ $mode == reset ]]; then
    # A RST is the outcome: curl says "connection refused" (7), not "timed out" (28).
    refused=$(grep -c '^rc=7 ' "$res" || true)
    (( refused == ATTEMPTS )) || e2e_fail "only $refused of $ATTEMPTS attempts were refused (RST): $(lab_tally <"$res" | tr '\n' ' ')"
fi
(( after - before >= ATTEMPTS )) || e2e_fail "$cname went up by $((after - before)), expected >= $ATTEMPTS (one per SYN)"

# Back up: the servers return, the VIP answers again.
for b in "${LAB_BACKENDS[@]}"; do start_server "$b"; done
t0=$(now)
# shellcheck disable=SC2086
lab_wait_for 30 all_in_state active $WEB4 || e2e_fail "the web4 backends did not all come back within 30 s"
e2e_log "all web4 backends active again after $(since "$t0")s (polled)"
lab_wait_for 30 lab_exec client curl -sf --max-time 2 -o /dev/null "http://$LAB_VIP4/" \
    || e2e_fail "the VIP does not answer after the servers came back"

e2e_pass "http check: down ${detect}s after SIGTERM (bound ${bound_ms} ms), up after ${recover}s; udp check: down ${udp_detect}s after SIGTERM; ping checks down and up; all down: $mode path ($cname +$((after - before)))"
