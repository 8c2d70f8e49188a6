#!/usr/bin/env bash
# e2e: `xlb l4 stats --json` measures live rates. While one UDP flow streams datagrams to
# the dns4 VIP, the VIP shows a positive packet rate, all of it on the one backend that
# owns the flow, and tx moves at the node level.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

# One flow: one socket, bounded to 4000 datagrams and 15 s.
lab_bg client udp_stream "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
deadline = time.monotonic() + 15
for i in range(4000):
    if time.monotonic() > deadline:
        break
    s.send(b"stats %d" % i)
    time.sleep(0.002)
print("sent", i + 1, flush=True)
' "$LAB_VIP4" "$LAB_UDP_PORT"
udp_seen() { grep -q "udp $LAB_CLIENT4:" "$LAB_DIR"/server-be*.log; }
lab_wait_for 20 udp_seen || e2e_fail "the UDP stream did not reach a backend"

rates="$(lab_xlb l4 l4 stats --pin-dir "$LAB_PIN_DIR" --json --interval 1)" || e2e_fail "xlb l4 stats failed"
verdict="$("$LAB_PYTHON" -c '
import json, sys
r = json.loads(sys.argv[1])
vip = [v for v in r["vips"] if v["service"] == sys.argv[2]]
if not vip:
    print("no service", sys.argv[2]); sys.exit(0)
vip = vip[0]
busy = [b["address"] for b in vip["backends"] if b["pps"] > 0]
if vip["pps"] <= 0 or len(busy) != 1 or r["verdicts"]["tx"]["pps"] <= 0:
    print("vip pps %.1f, busy backends %s, tx pps %.1f" % (vip["pps"], busy, r["verdicts"]["tx"]["pps"])); sys.exit(0)
print("ok %.0f pps on %s" % (vip["pps"], busy[0]))
' "$rates" "$LAB_VIP4:$LAB_UDP_PORT/udp")"
[[ "$verdict" == ok* ]] || e2e_fail "unexpected rates: $verdict"
e2e_pass "xlb l4 stats: $verdict"
