#!/usr/bin/env bash
# e2e: path MTU with 1500-byte links everywhere, so a full-size client packet no longer fits
# the tunnel from the L4 node to the backends.
#   1. MSS clamping on the backends: a 20 MB TCP upload (IPv4, IPv6) arrives intact, and the
#      L4 node never needs to send Too Big.
#   2. UDP with DF: a 1472-byte datagram (1452 over IPv6) is answered with Fragmentation
#      Needed / Packet Too Big; the client's kernel lowers its path MTU to 1480 (1460) and
#      the following datagrams of that size reach a backend.
#   3. MSS clamping off: the same uploads arrive intact through PMTU discovery, and the
#      Too Big counter moves.
LAB_MTU_INNER=1500
LAB_XLB_EXTRA_VIPS='  - {name: dns6, address: "2001:db8:100::10", port: 5353, protocol: udp, backends: [{address: "2001:db8:0:11::2"}, {address: "2001:db8:0:12::2"}, {address: "2001:db8:0:13::2"}]}'
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

UPLOAD="$LAB_DIR/upload.bin"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$UPLOAD"
UPLOAD_SUM="$(sha256sum "$UPLOAD" | cut -d' ' -f1)"

too_big() { lab_xlb_counter icmp_too_big; }

# upload HOST — POST the 20 MB file to http://HOST/upload; the backend answers with the
# length and SHA-256 of what it received, which must be the file's.
upload() {
    local out
    out="$(lab_exec client curl -sS --max-time 120 -H 'Expect:' --data-binary @"$UPLOAD" \
        "http://$1/upload" 2>&1)" || e2e_fail "upload to $1 failed: $out"
    [[ "$out" == *"bytes=$((20 * 1024 * 1024)) sha256=$UPLOAD_SUM"* ]] \
        || e2e_fail "upload to $1 arrived damaged: $out (sent sha256=$UPLOAD_SUM)"
    e2e_log "upload to $1: $out"
}

# clamped_syn_acks — SYN-ACKs whose MSS the backends lowered, summed over the backends.
clamped_syn_acks() {
    local b total=0 n
    for b in "${LAB_BACKENDS[@]}"; do
        n="$(lab_xlb "$b" backend show --pin-dir "$LAB_DIR/bpffs/$b" --json \
            | "$LAB_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["mss"]["clamped"]["packets"])')"
        total=$((total + n))
    done
    echo "$total"
}

# client_path_mtu ADDR — the MTU the client's kernel holds for ADDR ("1500" if none cached).
client_path_mtu() {
    local route
    route="$(lab_exec client ip route get "$1")"
    if [[ "$route" =~ mtu\ ([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 1500; fi
}

# --- 1. MSS clamping on -------------------------------------------------------------------
lab_xlb_prepare_backends --tunnel-mtu 1500 || e2e_fail "could not turn MSS clamping on"
tb0="$(too_big)"
upload "$LAB_VIP4"
upload "[$LAB_VIP6]"
tb1="$(too_big)"
clamped="$(clamped_syn_acks)"
e2e_log "clamping on: icmp_too_big +$((tb1 - tb0)), SYN-ACKs clamped $clamped"
(( tb1 == tb0 )) || e2e_fail "with MSS clamping the L4 node still sent $((tb1 - tb0)) Too Big"
(( clamped >= 2 )) || e2e_fail "the backends clamped $clamped SYN-ACKs, expected at least 2"

# --- 2. UDP with DF -----------------------------------------------------------------------
udp_pmtu() {
    local vip="$1" want_mtu="$2" out before after
    before="$(too_big)"
    out="$(lab_exec client "$LAB_PYTHON" "$LAB_SRC_DIR/udp_pmtu_client.py" --vip "$vip" \
        --port "$LAB_UDP_PORT" --count 5)" || e2e_fail "udp_pmtu_client failed for $vip"
    after="$(too_big)"
    e2e_log "UDP $vip: $out; icmp_too_big +$((after - before))"
    [[ "$out" == *"first_answered=0 path_mtu=$want_mtu "* ]] \
        || e2e_fail "UDP to $vip: expected the first datagram refused and a path MTU of $want_mtu: $out"
    [[ "$out" == *" sent=5 answered=5 "* ]] || e2e_fail "UDP to $vip: not every datagram of the new size was answered: $out"
    (( after - before == 1 )) || e2e_fail "UDP to $vip: icmp_too_big moved by $((after - before)), expected 1"
    [[ "$(client_path_mtu "$vip")" == "$want_mtu" ]] || e2e_fail "the client's route to $vip holds no MTU $want_mtu"
}
udp_pmtu "$LAB_VIP4" 1480
udp_pmtu "$LAB_VIP6" 1460

# The client's kernel now knows the smaller path: forget it, so that step 3 starts afresh.
lab_exec client ip route flush cache
lab_exec client ip -6 route flush cache
for vip in "$LAB_VIP4" "$LAB_VIP6"; do
    [[ "$(client_path_mtu "$vip")" == 1500 ]] || e2e_fail "could not flush the client's path MTU for $vip"
done

# --- 3. MSS clamping off: PMTU discovery does the work -----------------------------------
lab_xlb_prepare_backends || e2e_fail "could not turn MSS clamping off"
tb2="$(too_big)"
clamped_before="$(clamped_syn_acks)"
upload "$LAB_VIP4"
tb3="$(too_big)"
upload "[$LAB_VIP6]"
tb4="$(too_big)"
e2e_log "clamping off: icmp_too_big +$((tb3 - tb2)) (IPv4), +$((tb4 - tb3)) (IPv6)"
(( tb3 > tb2 )) || e2e_fail "the IPv4 upload went through without a single Too Big: was the tunnel bigger than 1500?"
(( tb4 > tb3 )) || e2e_fail "the IPv6 upload went through without a single Packet Too Big"
(( $(clamped_syn_acks) == clamped_before )) || e2e_fail "the backends clamped SYN-ACKs with clamping off"
e2e_pass "20 MB uploads intact with clamping (no Too Big) and without (PMTUD); UDP learned 1480/1460"
