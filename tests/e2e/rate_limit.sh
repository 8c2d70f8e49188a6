#!/usr/bin/env bash
# e2e: a VIP's new-flow rate limit admits a burst, then about `rate` new connections per
# second, and drops the rest (counted as drop_rate_limited); a reload raising the limit
# takes effect at once, without a restart; connections that were open before the limit
# never notice it.
#
# web4 ($LAB_VIP4:80/tcp) and echo4 ($LAB_VIP4:9000/tcp) get `rate_limit: {rate: 2,
# burst: 5}` by a reload, while three echo connections are held open through echo4. Then:
#   - 20 sequential new HTTP connections: at least the burst (5) succeed, at least one is
#     refused, every success returns the whole backend page, and no more succeed than
#     burst + rate x elapsed seconds (+2 for rounding at the edges);
#   - reload with {rate: 10000, burst: 10000}: 20 new connections all succeed;
#   - the held echo connections end with every exchange answered (summary ok=3 broken=0).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

cfg="$LAB_XLB_CONFIG"
RATE=2
BURST=5
ATTEMPTS=20
HELD=3
applied() { grep -c 'event=applied ' "$LAB_DIR/agent.log" || true; }
applied_more_than() { (( $(applied) > $1 )); }
round_seen() { grep -q "^round $1\$" "$LAB_DIR/hold.log"; }
finished() { grep -q '^summary' "$LAB_DIR/hold.log"; }
counter() { lab_xlb_counter "$1" || e2e_fail "no counter $1"; }

# set_limit RATE BURST — give web4 and echo4 this rate limit (reload, wait until applied).
set_limit() {
    local before
    before=$(applied)
    sed -i -E '/name: (web4|echo4),/{s/, rate_limit: \{[^}]*\}//; s/, backends:/, rate_limit: {rate: '"$1"', burst: '"$2"'}, backends:/}' "$cfg"
    [[ $(grep -c "rate_limit: {rate: $1, burst: $2}" "$cfg") == 2 ]] || e2e_fail "could not edit the config: $(cat "$cfg")"
    kill -HUP "$(lab_pid agent)"
    lab_wait_for 30 applied_more_than "$before" || e2e_fail "the agent did not apply rate_limit $1/$2"
    lab_xlb_show_json | "$LAB_PYTHON" -c '
import json, sys
want = {"rate": int(sys.argv[1]), "burst": int(sys.argv[2])}
vips = [v for v in json.load(sys.stdin)["vips"] if v["protocol"] == "tcp" and v["address"] == sys.argv[3]]
sys.exit(0 if len(vips) == 2 and all(v["rate_limit"] == want for v in vips) else 1)
' "$1" "$2" "$LAB_VIP4" || e2e_fail "xlb l4 show does not list rate_limit $1/$2 on both VIPs: $(lab_xlb_show_json | grep -A2 rate_limit)"
}

# connect_many N — N new HTTP connections one after the other (a connect waits 0.9 s at
# most: less than the first SYN retransmission, so each try is one SYN). One line per
# try: "ok backend=beN", "refused <why>" (no connection) or "bad <why>" (connected, but
# the page was not whole); then "elapsed SECONDS". Bounded: N tries, 60 s.
connect_many() {
    lab_exec client "$LAB_PYTHON" -c '
import socket, sys, time
n, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
start = time.monotonic()
for i in range(n):
    if time.monotonic() - start > 60:
        print("refused deadline", flush=True)
        continue
    try:
        s = socket.create_connection((host, port), timeout=0.9)
    except OSError as e:
        print("refused", type(e).__name__, flush=True)
        continue
    try:
        s.settimeout(5)
        s.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" % host.encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
        if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0] \
                or length != [len(body)] or not body.startswith(b"backend=be"):
            print("bad", repr(data[:80]), flush=True)
        else:
            print("ok", body.decode().split()[0], flush=True)
    except OSError as e:
        print("bad", type(e).__name__, flush=True)
    finally:
        s.close()
print("elapsed %.2f" % (time.monotonic() - start), flush=True)
' "$1" "$LAB_VIP4" "$LAB_HTTP_PORT"
}

# 1. Connections that are open before the limit, held through it.
lab_bg client hold "$LAB_PYTHON" "$LAB_SRC_DIR/hold_connections.py" "$LAB_VIP4" "$LAB_ECHO_PORT" "$HELD" 200 0.15
lab_wait_for 60 round_seen 3 || e2e_fail "held connections did not start: $(tail -3 "$LAB_DIR/hold.log")"

# 2. The limit.
dropped0=$(counter drop_rate_limited)
set_limit "$RATE" "$BURST"
sleep $(( BURST / RATE + 1 ))   # the bucket is full (it is already, unless something used it)
out="$LAB_DIR/limited.txt"
connect_many "$ATTEMPTS" >"$out"
dropped1=$(counter drop_rate_limited)
ok=$(grep -c '^ok ' "$out" || true)
refused=$(grep -c '^refused' "$out" || true)
bad=$(grep -c '^bad' "$out" || true)
elapsed=$(awk '$1 == "elapsed" { print $2 }' "$out")
bound=$(awk -v b="$BURST" -v r="$RATE" -v e="$elapsed" 'BEGIN { printf "%d", b + r * e + 2 }')
printf '  limited to %s/s, burst %s: %s of %s connections made, %s refused, %s incomplete, in %s s (at most %s allowed); drop_rate_limited +%s\n' \
    "$RATE" "$BURST" "$ok" "$ATTEMPTS" "$refused" "$bad" "$elapsed" "$bound" "$(( dropped1 - dropped0 ))"
printf '  sequence: %s\n' "$(awk '$1 != "elapsed" { printf "%s", ($1 == "ok" ? "+" : $1 == "bad" ? "!" : ".") }' "$out")"
(( bad == 0 )) || { grep '^bad' "$out" | head -3; e2e_fail "$bad connection(s) did not return the whole page"; }
(( ok >= BURST )) || e2e_fail "only $ok connections succeeded: the burst is $BURST"
(( refused >= 1 )) || e2e_fail "no connection was refused at $RATE/s"
(( dropped1 - dropped0 > 0 )) || e2e_fail "drop_rate_limited did not move"
(( ok <= bound )) || e2e_fail "$ok connections in $elapsed s, more than burst + rate x time + 2 = $bound"
if finished || ! round_seen 5; then
    e2e_fail "the held connections were not open across the whole limited phase"
fi

# 3. A reload raises the limit; no restart.
agent=$(lab_pid agent)
set_limit 10000 10000
limited_ok=$ok
out="$LAB_DIR/raised.txt"
connect_many "$ATTEMPTS" >"$out"
ok=$(grep -c '^ok ' "$out" || true)
printf '  raised to 10000/s: %s of %s connections made\n' "$ok" "$ATTEMPTS"
(( ok == ATTEMPTS )) || { grep -v '^ok' "$out" | head -5; e2e_fail "only $ok of $ATTEMPTS succeeded after the limit was raised"; }
if ! lab_alive "$agent" || [[ "$(lab_pid agent)" != "$agent" ]]; then e2e_fail "the agent was restarted"; fi

# 4. The held connections never noticed.
lab_wait_for 120 finished || e2e_fail "held connections did not finish: $(tail -3 "$LAB_DIR/hold.log")"
held=$(grep '^summary' "$LAB_DIR/hold.log")
printf '  held connections: %s\n' "$held"
[[ "$held" == "summary ok=$HELD broken=0" ]] || { grep broken "$LAB_DIR/hold.log" | head -5; e2e_fail "held connections broke"; }
e2e_pass "limited: $limited_ok ok / $refused refused in $elapsed s; raised: $ok/$ATTEMPTS; held: $held"
