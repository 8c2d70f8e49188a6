#!/usr/bin/env bash
# e2e: ping a VIP (IPv4 and IPv6) from the client: the L4 node answers the echo requests
# itself, from the VIP, and counts them; the backends see none of it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

before=$(lab_xlb_counter icmp_echo_reply) || e2e_fail "no icmp_echo_reply counter in xlb l4 show"
out4="$(lab_exec client ping -c 3 -i 0.2 -W 2 "$LAB_VIP4" 2>&1)" || e2e_fail "ping $LAB_VIP4 failed: $out4"
out6="$(lab_exec client ping -6 -c 3 -i 0.2 -W 2 "$LAB_VIP6" 2>&1)" || e2e_fail "ping $LAB_VIP6 failed: $out6"
grep -q "3 received" <<<"$out4" || e2e_fail "not every IPv4 echo was answered: $out4"
grep -q "3 received" <<<"$out6" || e2e_fail "not every IPv6 echo was answered: $out6"
grep -q "from $LAB_VIP4" <<<"$out4" || e2e_fail "the IPv4 replies did not come from the VIP: $out4"
after=$(lab_xlb_counter icmp_echo_reply)
(( after - before == 6 )) || e2e_fail "icmp_echo_reply moved by $((after - before)), expected 6"
e2e_pass "6 echo requests to the VIPs answered by the L4 node"
