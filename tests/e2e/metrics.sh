#!/usr/bin/env bash
# e2e: the agent's /metrics and /healthz, scraped with curl inside the l4 namespace
# (node.metrics_listen defaults to 127.0.0.1:9810):
#  - /metrics has the Prometheus content type, /healthz answers ok, other paths 404,
#    other methods 405;
#  - exactly N UDP datagrams to the dns4 VIP (one datagram each, no retries) move the
#    VIP's packets and new flows, and the sum of its backends' packets, by exactly N;
#  - exactly M TCP SYNs (one each: the socket is dropped before the first retransmit) to
#    a VIP port with no service move xlb_drops_total{reason="no_service"} and
#    xlb_packets_total{verdict="drop"} by exactly M;
#  - under a bounded UDP load, repeated scrapes never see a counter go backwards;
#  - promtool check metrics accepts a live scrape.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

N=40
M=7
NO_SERVICE_PORT=8081
URL=http://127.0.0.1:9810
DNS="vip=\"$LAB_VIP4\",port=\"$LAB_UDP_PORT\",proto=\"udp\""

# scrape FILE — GET /metrics into FILE; fails on anything but 200.
scrape() { lab_exec l4 curl -sS --fail --max-time 10 -o "$1" "$URL/metrics"; }
# series FILE SERIES — the value of one series (exact name and labels); fails if absent.
series() {
    awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print $NF; found = 1 } END { if (!found) exit 1 }' "$1"
}
# backends_sum FILE — xlb_backend_packets_total summed over the dns4 VIP's backends.
backends_sum() {
    awk -v p="xlb_backend_packets_total{$DNS,backend=" 'index($0, p) == 1 { s += $NF } END { print s + 0 }' "$1"
}

e2e_log "routes, methods and content type"
ctype=$(lab_exec l4 curl -sS --fail --max-time 10 -o /dev/null -w '%{content_type}' "$URL/metrics") \
    || e2e_fail "GET /metrics failed: $(tail -5 "$LAB_DIR/agent.log")"
[[ "$ctype" == "text/plain; version=0.0.4; charset=utf-8" ]] || e2e_fail "content type of /metrics: '$ctype'"
health=$(lab_exec l4 curl -sS --fail --max-time 10 "$URL/healthz") || e2e_fail "GET /healthz failed"
[[ "$health" == ok ]] || e2e_fail "/healthz said '$health'"
code=$(lab_exec l4 curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$URL/nothing-here") || true
[[ "$code" == 404 ]] || e2e_fail "GET /nothing-here gave $code, expected 404"
code=$(lab_exec l4 curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST -d x "$URL/metrics") || true
[[ "$code" == 405 ]] || e2e_fail "POST /metrics gave $code, expected 405"
# A request that is not HTTP gets an answer (400) or a close, and the agent goes on.
lab_exec l4 bash -c "exec 3<>/dev/tcp/127.0.0.1/9810; printf 'garbage\r\n\r\n' >&3; timeout 5 cat <&3 >/dev/null" || true
lab_exec l4 curl -sS --fail --max-time 10 -o /dev/null "$URL/healthz" || e2e_fail "the agent stopped answering after garbage"

scrape "$LAB_DIR/m0.prom" || e2e_fail "scrape failed"
for reason in truncated_l2 no_service no_backend rate_limited icmp_to_vip; do
    series "$LAB_DIR/m0.prom" "xlb_drops_total{reason=\"$reason\"}" >/dev/null \
        || e2e_fail "no xlb_drops_total{reason=\"$reason\"} in the scrape"
done
[[ "$(series "$LAB_DIR/m0.prom" xlb_vips)" == 4 ]] || e2e_fail "xlb_vips is not 4: $(grep '^xlb_vips' "$LAB_DIR/m0.prom")"

# Let the readiness curl's last packets pass, then take the baseline.
sleep 1
scrape "$LAB_DIR/before.prom" || e2e_fail "scrape failed"
vip_before=$(series "$LAB_DIR/before.prom" "xlb_vip_packets_total{$DNS}") || e2e_fail "no dns4 VIP series"
flows_before=$(series "$LAB_DIR/before.prom" "xlb_vip_new_flows_total{$DNS}") || e2e_fail "no dns4 new flows series"
be_before=$(backends_sum "$LAB_DIR/before.prom")
nosvc_before=$(series "$LAB_DIR/before.prom" 'xlb_drops_total{reason="no_service"}') || e2e_fail "no no_service series"
drop_before=$(series "$LAB_DIR/before.prom" 'xlb_packets_total{verdict="drop"}') || e2e_fail "no drop verdict series"

e2e_log "sending exactly $N UDP datagrams to $LAB_VIP4:$LAB_UDP_PORT and $M TCP SYNs to port $NO_SERVICE_PORT"
lab_exec client "$LAB_PYTHON" -c '
import socket, sys, time
host, udp_port, n, tcp_port, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
deadline = time.monotonic() + 30
socks = []
for i in range(n):           # one datagram per socket: one packet each, never resent
    assert time.monotonic() < deadline, "deadline"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, udp_port))
    s.send(b"metrics %d" % i)
    socks.append(s)          # distinct source ports: each datagram is a new flow
for i in range(m):           # a non-blocking connect sends one SYN; closing before the
    assert time.monotonic() < deadline, "deadline"   # first retransmit (1 s) sends nothing more
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, tcp_port))
    time.sleep(0.2)
    s.close()
' "$LAB_VIP4" "$LAB_UDP_PORT" "$N" "$NO_SERVICE_PORT" "$M" || e2e_fail "the sender failed"

deltas() {
    scrape "$LAB_DIR/after.prom" || return 1
    vip=$(( $(series "$LAB_DIR/after.prom" "xlb_vip_packets_total{$DNS}") - vip_before ))
    flows=$(( $(series "$LAB_DIR/after.prom" "xlb_vip_new_flows_total{$DNS}") - flows_before ))
    be=$(( $(backends_sum "$LAB_DIR/after.prom") - be_before ))
    nosvc=$(( $(series "$LAB_DIR/after.prom" 'xlb_drops_total{reason="no_service"}') - nosvc_before ))
    drop=$(( $(series "$LAB_DIR/after.prom" 'xlb_packets_total{verdict="drop"}') - drop_before ))
    echo "vip=$vip new_flows=$flows backends=$be no_service=$nosvc drop=$drop" >"$LAB_DIR/deltas"
}
reached() { deltas && (( vip >= N && nosvc >= M )); }
lab_wait_for 20 reached || e2e_fail "the counters did not reach N=$N / M=$M: $(cat "$LAB_DIR/deltas")"
sleep 1   # anything late would show now
deltas || e2e_fail "scrape failed"
e2e_log "deltas: $(cat "$LAB_DIR/deltas")"
(( vip == N )) || e2e_fail "xlb_vip_packets_total{$DNS} moved by $vip, expected exactly $N"
(( flows == N )) || e2e_fail "xlb_vip_new_flows_total{$DNS} moved by $flows, expected exactly $N"
(( be == N )) || e2e_fail "the dns4 backends' packets moved by $be, expected exactly $N"
(( nosvc == M )) || e2e_fail "xlb_drops_total{reason=\"no_service\"} moved by $nosvc, expected exactly $M"
(( drop == M )) || e2e_fail "xlb_packets_total{verdict=\"drop\"} moved by $drop, expected exactly $M"

e2e_log "scraping repeatedly under a bounded UDP load (at most 3000 datagrams, 15 s)"
lab_bg client udp_load "$LAB_PYTHON" -c '
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 15
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
while sent < 3000 and time.monotonic() < deadline:
    s.sendto(b"load", (host, port))
    sent += 1
    if sent % 20 == 0:       # about 400 datagrams a second: the scrapes below overlap it
        time.sleep(0.05)
print("sent", sent)
' "$LAB_VIP4" "$LAB_UDP_PORT"
load_pid="$LAB_LAST_PID"
prev="$LAB_DIR/load0.prom"
scrape "$prev" || e2e_fail "scrape failed"
for ((i = 1; i <= 20; i++)); do
    cur="$LAB_DIR/load$i.prom"
    scrape "$cur" || e2e_fail "scrape $i under load failed"
    # Every counter (a series of a family whose TYPE is counter) is >= its previous value.
    backwards=$(awk '
        FNR == 1 { file++ }
        /^# TYPE / { type[$3] = $4; next }
        /^#/ || NF < 2 { next }
        { name = $1; sub(/\{.*/, "", name); if (type[name] != "counter") next
          if (file == 1) old[$1] = $2; else if (($1 in old) && $2 + 0 < old[$1] + 0) print $1, old[$1], "->", $2 }
    ' "$prev" "$cur")
    [[ -z "$backwards" ]] || e2e_fail "counters went backwards between scrapes $((i - 1)) and $i: $backwards"
    prev="$cur"
    sleep 0.2
done
lab_wait_for 30 bash -c "! kill -0 $load_pid 2>/dev/null" || e2e_fail "the load sender did not stop"
first=$(series "$LAB_DIR/load0.prom" "xlb_vip_packets_total{$DNS}")
last=$(series "$prev" "xlb_vip_packets_total{$DNS}")
(( last > first )) || e2e_fail "the load did not move the dns4 VIP's packets ($first -> $last)"
e2e_log "20 scrapes under load, no counter went backwards (dns4 packets $first -> $last; $(cat "$LAB_DIR/udp_load.log"))"

if command -v promtool >/dev/null 2>&1; then
    complaints=$(promtool check metrics <"$prev" 2>&1) || e2e_fail "promtool check metrics failed: $complaints"
    [[ -z "$complaints" ]] || e2e_fail "promtool check metrics complained: $complaints"
    e2e_log "promtool check metrics: no complaints"
elif [[ -n "${CI:-}" ]]; then
    e2e_fail "promtool is missing in CI (scripts/setup.sh installs the prometheus package)"
else
    e2e_log "promtool not installed: skipping the promtool check (apt-get install prometheus)"
fi
e2e_pass "exact deltas N=$N (UDP to dns4) and M=$M (no_service), monotonic under load, /healthz ok"
