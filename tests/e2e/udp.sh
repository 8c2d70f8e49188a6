#!/usr/bin/env bash
# e2e: 100 UDP datagrams to the VIP, each from its own source port, all get an answer from
# the VIP, and more than one backend answers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

N=100
out="$LAB_DIR/udp.txt"
e2e_log "sending $N datagrams to $LAB_VIP4:$LAB_UDP_PORT from distinct source ports"
lab_udp_many client "$N" "$LAB_VIP4" "$LAB_UDP_PORT" >"$out"
lab_share_table "UDP via $LAB_VIP4:$LAB_UDP_PORT" <"$out"

lines=$(wc -l <"$out")
(( lines == N )) || e2e_fail "expected $N result lines, got $lines"
errors=$(e2e_errors "$out")
(( errors == 0 )) || e2e_fail "$errors of $N datagrams got no answer"
ports=$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^port=/) print $i }' "$out" | sort -u | wc -l)
(( ports == N )) || e2e_fail "expected $N distinct source ports, got $ports"
seen=$(e2e_backends_seen "$out")
(( seen > 1 )) || e2e_fail "only $seen backend answered"
e2e_pass "$N datagrams answered by $seen backends"
