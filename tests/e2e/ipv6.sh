#!/usr/bin/env bash
# e2e: HTTP over the IPv6 VIP: 60 requests on new connections all succeed and more than
# one backend serves them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

N=60
url="http://[$LAB_VIP6]/"
lab_wait_for 30 lab_exec client curl -sf -g --max-time 2 -o /dev/null "$url" \
    || e2e_fail "the IPv6 VIP does not answer through xlb"
out="$LAB_DIR/ipv6.txt"
e2e_log "sending $N requests to $url"
lab_http_many client "$N" "$url" >"$out"
lab_share_table "HTTP via [$LAB_VIP6]:80" <"$out"

lines=$(wc -l <"$out")
(( lines == N )) || e2e_fail "expected $N result lines, got $lines"
errors=$(e2e_errors "$out")
(( errors == 0 )) || e2e_fail "$errors of $N requests failed"
seen=$(e2e_backends_seen "$out")
(( seen > 1 )) || e2e_fail "only $seen backend served IPv6 requests"
e2e_pass "$N IPv6 requests served by $seen backends"
