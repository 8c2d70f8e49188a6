#!/usr/bin/env bash
# e2e: for 20 flows, `xlb l4 explain --json` names a backend, and a real connection from
# that exact source port is served by the backend explain named.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

FLOWS=20
# Below the kernel's ephemeral range (32768+), so no earlier connection of the client
# (lingering in TIME_WAIT) can hold one of these ports and make curl's bind fail.
BASE=$((20000 + RANDOM % 5000))
names=()
for ((i = 0; i < FLOWS; i++)); do
    port=$((BASE + i * 7))
    json=$(lab_xlb l4 l4 explain tcp "$LAB_CLIENT4" "$port" "$LAB_VIP4" "$LAB_HTTP_PORT" \
        --pin-dir "$LAB_PIN_DIR" --json) || e2e_fail "xlb l4 explain failed for source port $port"
    # The chosen backend: "backend" (an address or an object with "address"), else the one
    # backend address the answer mentions.
    addr=$("$LAB_PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1]); known = set(sys.argv[2:])
def pick(v):
    if isinstance(v, str): return v
    if isinstance(v, dict): return v.get("address")
for key in ("backend", "selected_backend", "chosen_backend", "selected", "chosen"):
    if isinstance(d, dict) and key in d and pick(d[key]):
        print(pick(d[key])); sys.exit(0)
found = set()
def walk(n):
    if isinstance(n, dict): [walk(x) for x in n.values()]
    elif isinstance(n, list): [walk(x) for x in n]
    elif isinstance(n, str) and n in known: found.add(n)
walk(d)
if len(found) == 1: print(found.pop()); sys.exit(0)
sys.exit(1)' "$json" "${LAB_BE_ADDRS4[@]}") || e2e_fail "explain named no backend for port $port: $json"
    want=$(lab_be_name "$addr")
    [[ -n "$want" ]] || e2e_fail "explain named $addr for port $port, not a lab backend"
    got=$(lab_exec client curl -sS --fail --max-time 5 --local-port "$port" "http://$LAB_VIP4/") \
        || e2e_fail "request from source port $port failed"
    printf '  source port %5d: explain -> %-4s (%s), served by %s\n' "$port" "$want" "$addr" "${got#backend=}"
    [[ "$got" == "backend=$want" ]] || e2e_fail "source port $port: explain said $want, but $got answered"
    names+=("$want")
done
distinct=$(printf '%s\n' "${names[@]}" | sort -u | wc -l)
(( distinct > 1 )) || e2e_fail "all $FLOWS flows went to ${names[0]}: explain/hashing looks constant"
e2e_pass "$FLOWS flows: explain matched the serving backend every time"
