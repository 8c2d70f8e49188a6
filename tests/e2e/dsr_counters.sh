#!/usr/bin/env bash
# e2e: direct server return. Large responses go from the backends straight back to the
# client through the router; the L4 node only ever sees the client's packets:
#  - xlb's VIP packet counter grows by at least the packets the client sent, and the L4
#    node's XDP_TX counter by about as much;
#  - the router sent towards the L4 node (r-l4 TX) no more packets than the client sent,
#    and only a small fraction of the response bytes, in either direction of r-l4;
#  - the response bytes left the backends over the router's r-beN links and reached the
#    client over r-client.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup

REQS=10
SIZE=200000
TOTAL=$((REQS * SIZE))
SLACK=10   # ARP/ND or other stray packets the client may send in the window

snapshot() {  # snapshot NAME — link counters of interest into $LAB_DIR/NAME
    {
        echo "client_eth0 $(lab_link_counters client eth0)"
        echo "l4_eth0 $(lab_link_counters l4 eth0)"
        for d in r-client r-l4 r-be1 r-be2 r-be3; do
            echo "$d $(lab_link_counters router "$d")"
        done
    } >"$LAB_DIR/$1"
}
# field SNAP DEV COL — COL is 2 rx_packets, 3 rx_bytes, 4 tx_packets, 5 tx_bytes
field() { awk -v d="$2" -v c="$3" '$1 == d { print $c }' "$LAB_DIR/$1"; }
delta() { echo $(( $(field after "$1" "$2") - $(field before "$1" "$2") )); }

vip_before=$(lab_xlb_vip_packets "$LAB_VIP4" "$LAB_HTTP_PORT" tcp) \
    || e2e_fail "no VIP $LAB_VIP4:$LAB_HTTP_PORT/tcp in xlb l4 show --json: $(lab_xlb_show_json)"
tx_before=$(lab_xlb_counter tx) || e2e_fail "no tx counter in xlb l4 show --json: $(lab_xlb_show_json)"
snapshot before

e2e_log "fetching $REQS x /bytes?n=$SIZE through the VIP"
got=0
for ((i = 0; i < REQS; i++)); do
    n=$(lab_exec client curl -sS --fail --max-time 10 -o /dev/null -w '%{size_download}' \
        "http://$LAB_VIP4/bytes?n=$SIZE") || e2e_fail "request $i failed"
    (( n == SIZE )) || e2e_fail "request $i got $n bytes, expected $SIZE"
    got=$((got + n))
done
(( got == TOTAL )) || e2e_fail "client got $got bytes, expected $TOTAL"

# Counters settle once the last FIN/ACK exchange is over; poll instead of sleeping.
settled() {
    snapshot after
    local client_tx vip tx
    client_tx=$(delta client_eth0 4)
    vip=$(( $(lab_xlb_vip_packets "$LAB_VIP4" "$LAB_HTTP_PORT" tcp) - vip_before ))
    tx=$(( $(lab_xlb_counter tx) - tx_before ))
    echo "client_tx=$client_tx vip=$vip xdp_tx=$tx" >"$LAB_DIR/settled"
    (( vip >= client_tx - SLACK && tx >= vip - SLACK ))
}
if ! lab_wait_for 15 settled; then
    cat "$LAB_DIR/settled"
    e2e_fail "xlb counters fell short of the client's packets: $(cat "$LAB_DIR/settled")"
fi
client_tx=$(delta client_eth0 4)
vip=$(( $(lab_xlb_vip_packets "$LAB_VIP4" "$LAB_HTTP_PORT" tcp) - vip_before ))
xdp_tx=$(( $(lab_xlb_counter tx) - tx_before ))
r_l4_tx_pkts=$(delta r-l4 4)
r_l4_tx_bytes=$(delta r-l4 5)
r_l4_rx_bytes=$(delta r-l4 3)
l4_rx_pkts=$(delta l4_eth0 2)
be_rx_bytes=$(( $(delta r-be1 3) + $(delta r-be2 3) + $(delta r-be3 3) ))
client_rx_bytes=$(delta r-client 5)

printf '  %-48s %12s\n' \
    "client -> router packets (client eth0 TX)" "$client_tx" \
    "xlb VIP $LAB_VIP4:$LAB_HTTP_PORT packets" "$vip" \
    "xlb XDP_TX packets" "$xdp_tx" \
    "router -> l4 packets (r-l4 TX)" "$r_l4_tx_pkts" \
    "router -> l4 bytes (r-l4 TX)" "$r_l4_tx_bytes" \
    "l4 -> router bytes (r-l4 RX, encapsulated)" "$r_l4_rx_bytes" \
    "l4 eth0 RX packets" "$l4_rx_pkts" \
    "backends -> router bytes (r-be1..3 RX)" "$be_rx_bytes" \
    "router -> client bytes (r-client TX)" "$client_rx_bytes" \
    "response bytes the client downloaded" "$TOTAL"

(( vip >= client_tx - SLACK )) || e2e_fail "VIP counter $vip < client packets $client_tx"
(( vip <= client_tx + SLACK )) || e2e_fail "VIP counter $vip > client packets $client_tx: the L4 node saw more than the client's packets"
(( xdp_tx >= vip - SLACK )) || e2e_fail "XDP_TX $xdp_tx < VIP packets $vip"
(( r_l4_tx_pkts <= client_tx + SLACK )) || e2e_fail "router sent $r_l4_tx_pkts packets to l4, more than the client's $client_tx"
(( l4_rx_pkts <= client_tx + SLACK )) || e2e_fail "l4 eth0 received $l4_rx_pkts packets, more than the client's $client_tx"
(( r_l4_tx_bytes * 10 < TOTAL )) || e2e_fail "router sent $r_l4_tx_bytes bytes to l4: replies went through the L4 node"
(( r_l4_rx_bytes * 10 < TOTAL )) || e2e_fail "router got $r_l4_rx_bytes bytes from l4: replies went through the L4 node"
(( be_rx_bytes >= TOTAL )) || e2e_fail "router got only $be_rx_bytes bytes from the backends (< $TOTAL)"
(( client_rx_bytes >= TOTAL )) || e2e_fail "router sent only $client_rx_bytes bytes to the client (< $TOTAL)"
e2e_pass "$TOTAL response bytes bypassed the L4 node, which handled $vip client packets"
