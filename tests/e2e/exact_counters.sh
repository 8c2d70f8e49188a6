#!/usr/bin/env bash
# e2e: every counter is exact. The client sends a known mix, each packet once (see
# lab/packet_mix.py): 30 UDP datagrams to a VIP service (new flows), TCP SYNs (v4 and v6)
# to a port with no service, another IP protocol, first fragments, truncated TCP headers,
# and echo requests (v4 and v6). Then, from `xlb l4 show --json` before and after:
#  - every node counter, drop reason, the VIP's and its backends' counters moved by
#    exactly what was sent, in packets and in bytes (frame sizes as XDP sees them);
#  - every other drop reason and node counter did not move (pass, which carries the
#    lab's own ARP/ND, is left out).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

CLOSED_PORT=8081
# The readiness check's last packets (its connection's closing ACKs) pass first.
sleep 1
lab_xlb_show_json >"$LAB_DIR/before.json" || e2e_fail "xlb l4 show --json failed"
mix="$(lab_exec client "$LAB_PYTHON" "$LAB_SRC_DIR/packet_mix.py" --vip4 "$LAB_VIP4" --vip6 "$LAB_VIP6" \
    --udp-port "$LAB_UDP_PORT" --closed-port "$CLOSED_PORT")" || e2e_fail "packet_mix.py failed"
e2e_log "sent: $mix"
# Let the last packets reach the node's counters (the mix waited for the UDP answers).
sleep 0.5
lab_xlb_show_json >"$LAB_DIR/after.json" || e2e_fail "xlb l4 show --json failed"

"$LAB_PYTHON" - "$LAB_DIR/before.json" "$LAB_DIR/after.json" "$mix" "$LAB_VIP4" "$LAB_UDP_PORT" <<'PY' \
    || e2e_fail "counters differ from what was sent (table above)"
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
mix, vip, port = json.loads(sys.argv[3]), sys.argv[4], int(sys.argv[5])
if mix["udp4_answered"] != mix["udp4"]["packets"]:
    print(f"only {mix['udp4_answered']} of {mix['udp4']['packets']} UDP datagrams were answered")
    sys.exit(1)

def n(kind): return mix[kind]["packets"]
def b(kind): return mix[kind]["packets"] * mix[kind]["frame_bytes"]
def both(*kinds): return (sum(n(k) for k in kinds), sum(b(k) for k in kinds))

def node(doc, name): c = doc["counters"].get(name, {"packets": 0, "bytes": 0}); return (c["packets"], c["bytes"])
def delta(name): return tuple(a - z for a, z in zip(node(after, name), node(before, name)))
def vip_of(doc):
    return next(v for v in doc["vips"] if v["address"] == vip and v["port"] == port and v["protocol"] == "udp")
def vip_delta(field): return vip_of(after)[field] - vip_of(before)[field]
def backends_delta(field):
    return sum(x[field] for x in vip_of(after)["backends"]) - sum(x[field] for x in vip_of(before)["backends"])

forwarded = both("udp4")
# Forwarded packets leave by XDP_TX or XDP_REDIRECT, or (neighbour not resolved yet) are
# passed encapsulated to the kernel: fib_no_neigh. Echo replies are XDP_TX.
fib = tuple(map(sum, zip(delta("fib_hit"), delta("fib_fallback"), delta("fib_no_neigh"))))
sent_out = tuple(map(sum, zip(delta("tx"), delta("redirect"), delta("fib_no_neigh"))))
checks = [
    ("drop", delta("drop"), both("syn4", "syn6", "gre4", "frag4", "trunc4")),
    ("drop_no_service", delta("drop_no_service"), both("syn4", "syn6")),
    ("drop_unknown_l4", delta("drop_unknown_l4"), both("gre4")),
    ("drop_fragment", delta("drop_fragment"), both("frag4")),
    ("drop_truncated_l4", delta("drop_truncated_l4"), both("trunc4")),
    ("icmp_echo_reply", delta("icmp_echo_reply"), both("echo4", "echo6")),
    ("tx+redirect+fib_no_neigh", sent_out, both("udp4", "echo4", "echo6")),
    ("fib_hit+fib_fallback+fib_no_neigh", fib, forwarded),
    ("new_flow", delta("new_flow"), forwarded),
    ("session_miss", delta("session_miss"), forwarded),
    ("session_insert", delta("session_insert"), forwarded),
    ("vip packets,bytes", (vip_delta("packets"), vip_delta("bytes")), forwarded),
    ("vip new_flows", vip_delta("new_flows"), n("udp4")),
    ("vip session_misses", vip_delta("session_misses"), n("udp4")),
    ("vip session_hits", vip_delta("session_hits"), 0),
    ("vip rate_limited", vip_delta("rate_limited"), 0),
    ("vip no_backend", vip_delta("no_backend"), 0),
    ("backends packets,bytes", (backends_delta("packets"), backends_delta("bytes")), forwarded),
    ("backends new_flows", backends_delta("new_flows"), n("udp4")),
]
named = {"drop", "drop_no_service", "drop_unknown_l4", "drop_fragment", "drop_truncated_l4", "icmp_echo_reply",
         "tx", "redirect", "fib_hit", "fib_fallback", "fib_no_neigh", "new_flow", "session_miss",
         "session_insert", "pass", "nexthop_cached"}
for name in sorted(set(after["counters"]) - named):
    checks.append((name, delta(name), (0, 0)))

bad = 0
for name, got, want in checks:
    ok = got == want
    bad += not ok
    print(f"{'ok ' if ok else 'BAD'} {name:36} got {got!s:>18} want {want!s:>18}")
sys.exit(1 if bad else 0)
PY
e2e_pass "every counter moved by exactly the mix that was sent"
