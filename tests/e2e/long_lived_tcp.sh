#!/usr/bin/env bash
# e2e: one TCP connection to the echo VIP (port 9000) stays open for ~5 s while 50 lines
# go over it; every line is answered, and always by the same backend.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

out="$LAB_DIR/long_lived.txt"
e2e_log "holding one connection to $LAB_VIP4:$LAB_ECHO_PORT, 50 lines at 0.1 s"
if ! lab_exec client "$LAB_PYTHON" "$LAB_SRC_DIR/echo_client.py" "$LAB_VIP4" "$LAB_ECHO_PORT" 50 >"$out"
then
    cat "$out"
    e2e_fail "the echo client failed (output above)"
fi

replies=$(grep -c '^reply ' "$out" || true)
(( replies == 50 )) || e2e_fail "expected 50 replies, got $replies"
# "reply I BE line I": the echoed text must match what was sent.
bad=$(awk '$1 == "reply" && !($4 == "line" && $5 == $2) { n++ } END { print n + 0 }' "$out")
(( bad == 0 )) || e2e_fail "$bad replies did not echo the line sent: $(grep '^reply' "$out" | head -3)"
mapfile -t seen < <(awk '$1 == "reply" { print $3 }' "$out" | sort -u)
(( ${#seen[@]} == 1 )) || e2e_fail "replies came from more than one backend: ${seen[*]}"
[[ " ${LAB_BACKENDS[*]} " == *" ${seen[0]} "* ]] || e2e_fail "unexpected backend name '${seen[0]}'"
port=$(awk '$1 == "local_port" { print $2 }' "$out")
# The backend saw a single connection carrying all 50 lines.
lab_wait_for 10 grep -q "echo close 198.18.0.2:$port after 50 lines" "$LAB_DIR/server-${seen[0]}.log" \
    || e2e_fail "${seen[0]} did not log one connection from port $port with 50 lines"
e2e_pass "50 lines over one connection, all answered by ${seen[0]}"
