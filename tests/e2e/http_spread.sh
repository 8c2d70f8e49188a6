#!/usr/bin/env bash
# e2e: 300 HTTP requests, each on a new connection, through the IPv4 VIP all succeed and
# each of the three equal backends serves at least 20% of them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

N=300
out="$LAB_DIR/http_spread.txt"
e2e_log "sending $N requests to http://$LAB_VIP4/"
lab_http_many client "$N" "http://$LAB_VIP4/" >"$out"
lab_share_table "HTTP via $LAB_VIP4:80" <"$out"

lines=$(wc -l <"$out")
(( lines == N )) || e2e_fail "expected $N result lines, got $lines"
errors=$(e2e_errors "$out")
(( errors == 0 )) || e2e_fail "$errors of $N requests failed: $(grep '^ERROR' "$out" | lab_tally | tr '\n' ' ')"
for b in "${LAB_BACKENDS[@]}"; do
    n=$(e2e_count "backend=$b" "$out")
    (( n * 100 >= 20 * N )) || e2e_fail "$b served $n of $N requests (< 20%)"
done
e2e_pass "$N requests, every backend >= 20%"
