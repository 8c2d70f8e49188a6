#!/usr/bin/env bash
# e2e: `xlb l4 capture` on live traffic, read back with tshark.
#  - bad requests fail with a clear message and a non-zero exit: a VIP the node does not
#    serve, a pin directory without an agent, a file that cannot be created;
#  - 100 UDP datagrams to the dns4 VIP, captured with --count 100: tshark reads 100
#    packets as received (client -> VIP, inbound) and 100 as sent (IPIP from the encap
#    prefix to a backend, outbound); every outer destination is the backend that answered
#    that datagram (the server names itself in its reply), and the comments say so;
#  - --drop no_service: datagrams to a port with no service show as received, with the
#    reason in the comment, and no form as sent;
#  - a capture command killed with SIGKILL: once its lease has run out the node captures
#    nothing more, and the next capture is not refused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v tshark >/dev/null 2>&1 || e2e_fail "tshark is missing (scripts/setup.sh installs it)"
e2e_setup

N=100
NO_SERVICE_PORT=9999
capture() { lab_xlb l4 l4 capture --pin-dir "$LAB_PIN_DIR" "$@"; }
# expect_refused MESSAGE ARGS... — `xlb l4 capture ARGS` must fail, saying MESSAGE.
expect_refused() {
    local want="$1" out; shift
    if out=$(lab_xlb l4 l4 capture "$@" 2>&1); then
        e2e_fail "xlb l4 capture $* was accepted: $out"
    fi
    [[ "$out" == *"$want"* ]] || e2e_fail "xlb l4 capture $*: expected '$want', got: $out"
}
# start_capture LOGNAME ARGS... — a capture in the background, once it has turned capture on.
start_capture() {
    local log="$1"; shift
    lab_bg l4 "$log" "$XLB_CLI" l4 capture --pin-dir "$LAB_PIN_DIR" "$@"
    lab_wait_for 10 grep -q 'capturing' "$LAB_DIR/$log.log" || e2e_fail "capture did not start: $(cat "$LAB_DIR/$log.log")"
}
# finish_capture PID LOGNAME — wait for the capture to end by itself; fail unless it exits 0.
finish_capture() {
    local rc=0
    lab_wait_for 60 bash -c "! kill -0 $1" || e2e_fail "capture still running: $(cat "$LAB_DIR/$2.log")"
    wait "$1" || rc=$?
    ((rc == 0)) || e2e_fail "capture exited $rc: $(cat "$LAB_DIR/$2.log")"
}
# udp_to PORT COUNT — COUNT datagrams from the client to the IPv4 VIP, one socket each.
# The sockets stay open a moment: a reply to a closed port would make the client send
# an ICMP error about the VIP's flow, which the node forwards, and a capture shows.
udp_to() {
    lab_exec client "$LAB_PYTHON" -c '
import socket, sys, time
socks = []
for i in range(int(sys.argv[3])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"capture %d" % i, (sys.argv[1], int(sys.argv[2])))
    socks.append(s)
time.sleep(1)
' "$LAB_VIP4" "$1" "$2"
}
capture_records() { lab_xlb_counter capture_record; }

e2e_log "bad requests are refused"
pin=(--pin-dir "$LAB_PIN_DIR")
expect_refused "is not a VIP of this node" "${pin[@]}" --vip 198.51.100.99 --count 1 -w "$LAB_DIR/x.pcapng"
expect_refused "is not a service of this node" "${pin[@]}" --vip "$LAB_VIP4:81" --count 1 -w "$LAB_DIR/x.pcapng"
expect_refused "no drop reason \"nonsense\"" "${pin[@]}" --drop nonsense -w "$LAB_DIR/x.pcapng"
expect_refused "no xlb agent state in $LAB_DIR/nowhere" --pin-dir "$LAB_DIR/nowhere" -w "$LAB_DIR/x.pcapng"
expect_refused "create $LAB_DIR/no/such/dir.pcapng" "${pin[@]}" --vip "$LAB_VIP4" -w "$LAB_DIR/no/such/dir.pcapng"
[[ ! -e "$LAB_DIR/x.pcapng" ]] || e2e_fail "a refused capture left a file behind"

e2e_log "capture $N datagrams to $LAB_VIP4:$LAB_UDP_PORT"
pcap="$LAB_DIR/udp.pcapng"
start_capture cap_udp --vip "$LAB_VIP4:$LAB_UDP_PORT" --proto udp --count "$N" --timeout 60 -w "$pcap"
cap_pid="$LAB_LAST_PID"
lab_udp_many client "$N" "$LAB_VIP4" "$LAB_UDP_PORT" >"$LAB_DIR/answers.txt"
finish_capture "$cap_pid" cap_udp
e2e_log "$(tail -1 "$LAB_DIR/cap_udp.log")"

tshark -r "$pcap" -T fields -E separator='|' -e frame.packet_flags_direction -e ip.src -e ip.dst \
    -e udp.srcport -e udp.dstport -e frame.comment >"$LAB_DIR/udp.tshark" 2>"$LAB_DIR/tshark.err" \
    || e2e_fail "tshark -r could not read the capture: $(cat "$LAB_DIR/tshark.err")"
backends="be1=$(lab_be_addr4 1),be2=$(lab_be_addr4 2),be3=$(lab_be_addr4 3)"
verdict=$("$LAB_PYTHON" - "$LAB_DIR/udp.tshark" "$LAB_DIR/answers.txt" "$backends" "$LAB_VIP4" "$LAB_CLIENT4" \
    "$LAB_UDP_PORT" "$N" <<'EOF'
import sys
tshark, answers_file, backends, vip, client, port, n = sys.argv[1:8]
n = int(n)
addr_of = dict(kv.split("=") for kv in backends.split(","))
answered_by = {}  # client port -> backend address that answered
for line in open(answers_file):
    words = line.split()
    if len(words) == 2 and words[0].startswith("backend="):
        answered_by[words[1].split("=")[1]] = addr_of[words[0].split("=")[1]]
problems, inbound, outbound, confirmed = [], {}, {}, 0
for i, line in enumerate(open(tshark).read().splitlines(), 1):
    direction, src, dst, sport, dport, comment = line.split("|")
    direction = int(direction, 0)  # epb_flags direction: 1 inbound, 2 outbound (tshark prints 0x00000001)
    srcs, dsts = src.split(","), dst.split(",")
    words = comment.split()  # xlb in|out CPU:SEQ tx to backend ADDR
    if len(words) != 7 or words[:2] != ["xlb", "in" if direction == 1 else "out"] or words[3:6] != ["tx", "to", "backend"]:
        problems.append("frame %d: comment %r (direction %s)" % (i, comment, direction)); continue
    key, backend = words[2], words[6]
    if dport != port:
        problems.append("frame %d: to port %s" % (i, dport)); continue
    if direction == 1:
        if srcs != [client] or dsts != [vip]:
            problems.append("frame %d: received %s -> %s, expected %s -> %s alone" % (i, src, dst, client, vip)); continue
        inbound[key] = (backend, sport)
    else:
        if len(dsts) != 2 or dsts[1] != vip or srcs[1] != client or not srcs[0].startswith("198.18.200."):
            problems.append("frame %d: sent %s -> %s, expected IPIP from 198.18.200.x" % (i, src, dst)); continue
        if dsts[0] != backend or backend not in addr_of.values():
            problems.append("frame %d: outer destination %s, comment names %s" % (i, dsts[0], backend)); continue
        outbound[key] = (backend, sport)
        if sport in answered_by:
            if answered_by[sport] != dsts[0]:
                problems.append("frame %d: client port %s sent to %s, answered by %s" % (i, sport, dsts[0], answered_by[sport])); continue
            confirmed += 1
if len(inbound) != n or len(outbound) != n:
    problems.append("%d packets as received, %d as sent, expected %d of each" % (len(inbound), len(outbound), n))
unpaired = [k for k in inbound if outbound.get(k) != inbound[k]]
if unpaired:
    problems.append("%d received packets without the same packet as sent, e.g. %s" % (len(unpaired), unpaired[0]))
if confirmed < n * 9 // 10:
    problems.append("only %d of %d sent packets matched to the backend that answered" % (confirmed, n))
if problems:
    print("; ".join(problems[:5]))
else:
    spread = sorted(set(b for b, _ in outbound.values()))
    print("ok %d received + %d sent, %d confirmed by the answering backend, backends %s" % (len(inbound), len(outbound), confirmed, " ".join(spread)))
EOF
) || e2e_fail "checking the capture failed"
[[ "$verdict" == ok* ]] || e2e_fail "capture of $N datagrams: $verdict"
e2e_log "$verdict"
e2e_log "first packet as tshark shows it: $(head -2 "$LAB_DIR/udp.tshark" | tr '\n' ' ')"

e2e_log "capture drops: no service on $LAB_VIP4:$NO_SERVICE_PORT"
drops="$LAB_DIR/drops.pcapng"
start_capture cap_drops --drop no_service --count 3 --timeout 30 -w "$drops"
cap_pid="$LAB_LAST_PID"
udp_to "$NO_SERVICE_PORT" 3
finish_capture "$cap_pid" cap_drops
tshark -r "$drops" -T fields -E separator='|' -e frame.packet_flags_direction -e ip.dst -e udp.dstport \
    -e frame.comment >"$LAB_DIR/drops.tshark" 2>"$LAB_DIR/tshark.err" \
    || e2e_fail "tshark -r could not read the drops capture: $(cat "$LAB_DIR/tshark.err")"
want_drop="0x00000001|$LAB_VIP4|$NO_SERVICE_PORT|xlb in "
lines=$(wc -l <"$LAB_DIR/drops.tshark")
good=$(awk -F'|' -v vip="$LAB_VIP4" -v port="$NO_SERVICE_PORT" \
    '$1 == "0x00000001" && $2 == vip && $3 == port && $4 ~ /^xlb in [0-9]+:[0-9]+ drop no_service$/' "$LAB_DIR/drops.tshark" | wc -l)
[[ "$lines" == 3 && "$good" == 3 ]] \
    || e2e_fail "drops capture: expected 3 frames like '${want_drop}N:S drop no_service', got: $(cat "$LAB_DIR/drops.tshark")"

e2e_log "Ctrl-C ends a capture at once, the file complete"
start_capture cap_int --vip "$LAB_VIP4:$LAB_UDP_PORT" --count 1000 --timeout 600 -w "$LAB_DIR/int.pcapng"
cap_pid="$LAB_LAST_PID"
udp_to "$LAB_UDP_PORT" 3
kill -INT "$cap_pid"
finish_capture "$cap_pid" cap_int
grep -q '3 of 1000 packet(s), 6 frame(s) written (signal Interrupt)' "$LAB_DIR/cap_int.log" \
    || e2e_fail "after SIGINT: $(cat "$LAB_DIR/cap_int.log")"
frames=$(tshark -r "$LAB_DIR/int.pcapng" -T fields -e frame.number 2>"$LAB_DIR/tshark.err" | wc -l)
[[ "$frames" == 6 ]] || e2e_fail "tshark reads $frames frames of the interrupted capture, expected 6"
# Off at once, not at the end of a lease: another capture may start right away.
out=$(capture --vip "$LAB_VIP4" --count 1 --timeout 0.2 -w "$LAB_DIR/next.pcapng" 2>&1) \
    || e2e_fail "a capture right after the interrupted one failed: $out"

e2e_log "a capture killed with SIGKILL ends with its lease"
at_start=$(capture_records) || e2e_fail "no capture_record counter"
start_capture cap_killed --vip "$LAB_VIP4" --count 100000 --timeout 600 -w "$LAB_DIR/killed.pcapng"
cap_pid="$LAB_LAST_PID"
udp_to "$LAB_UDP_PORT" 5
kill -KILL "$cap_pid"
wait "$cap_pid" 2>/dev/null || true
before_lease=$(capture_records) || e2e_fail "no capture_record counter"
((before_lease - at_start == 10)) \
    || e2e_fail "the capture recorded $((before_lease - at_start)) records of 5 datagrams, expected 10"
sleep 3  # the lease is 2 s
udp_to "$LAB_UDP_PORT" 5
after_lease=$(capture_records) || e2e_fail "no capture_record counter"
[[ "$after_lease" == "$before_lease" ]] \
    || e2e_fail "the node went on capturing after the lease: capture_record $before_lease -> $after_lease"
# Nothing matches: the next capture is allowed and ends by its timeout, exit 0.
out=$(capture --vip "$LAB_VIP4" --count 1 --timeout 1 -w "$LAB_DIR/after.pcapng" 2>&1) \
    || e2e_fail "a capture after the killed one failed: $out"
[[ "$out" == *"0 of 1 packet(s)"*"(timeout)"* ]] || e2e_fail "capture after the killed one: $out"
e2e_pass "$verdict; 3 drops with reason; SIGKILL ends with the lease"
