/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the encapsulated packet goes next: the kernel FIB names the egress
 * interface and the neighbour's MAC; with a route but no neighbour yet the
 * kernel forwards it; without a route we fall back to the configured gateway
 * MAC on the ingress interface.
 */
#ifndef XLB_BPF_NEXTHOP_H
#define XLB_BPF_NEXTHOP_H

#include "lib/counters.h"
#include "lib/parse.h"

struct nexthop_result {
	int action; /* XDP_TX, XDP_REDIRECT, XDP_PASS (kernel resolves) or XDP_DROP */
	enum xlb_drop_reason reason; /* when action == XDP_DROP */
};

static __always_inline int fib_lookup_outer(struct xdp_md *ctx, struct bpf_fib_lookup *fib,
					    const struct xlb_backend *be, const void *outer_ip)
{
	fib->ifindex = ctx->ingress_ifindex;
	if (be->family == XLB_FAMILY_V4) {
		const struct iphdr *iph = outer_ip;

		fib->family = AF_INET;
		fib->ipv4_src = iph->saddr;
		fib->ipv4_dst = iph->daddr;
	} else {
		const struct ipv6hdr *ip6h = outer_ip;

		fib->family = AF_INET6;
		__builtin_memcpy(fib->ipv6_src, &ip6h->saddr, 16);
		__builtin_memcpy(fib->ipv6_dst, &ip6h->daddr, 16);
	}
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

/* Sets the frame's MACs and decides between XDP_TX and XDP_REDIRECT. */
static __always_inline struct nexthop_result
nexthop_resolve(struct xdp_md *ctx, const struct packet *pkt, const struct xlb_backend *be,
		const struct xlb_node_cfg *cfg, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct nexthop_result res = {.action = XDP_DROP};
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	__u32 l2_len = pkt->l2_len;
	void *outer_ip;
	int rc;

	/* An explicit bound keeps the verifier's range on the packet pointer. */
	if (l2_len > sizeof(struct ethhdr) + 4 * XLB_MAX_VLAN_TAGS) {
		res.reason = XLB_DROP_ENCAP_FAILED;
		return res;
	}
	outer_ip = data + l2_len;
	if ((void *)(eth + 1) > data_end ||
	    outer_ip + (be->family == XLB_FAMILY_V4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) > data_end) {
		res.reason = XLB_DROP_ENCAP_FAILED;
		return res;
	}

	rc = fib_lookup_outer(ctx, &fib, be, outer_ip);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		count_node(XLB_CNT_FIB_HIT, bytes);
		__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
		/* Tagged frames go back out as they came: the FIB would name
		 * the VLAN device, which XDP cannot transmit on. */
		if (fib.ifindex == ctx->ingress_ifindex || pkt->l2.vlan_count) {
			res.action = XDP_TX;
			return res;
		}
		if (!bpf_map_lookup_elem(&xlb_tx_ports_v2, &fib.ifindex)) {
			res.reason = XLB_DROP_NO_TX_PORT;
			return res;
		}
		res.action = bpf_redirect_map(&xlb_tx_ports_v2, fib.ifindex, 0);
		return res;
	}

	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* The kernel has a route but no neighbour entry yet, and XDP
		 * cannot ask for one: let the kernel forward this packet, which
		 * resolves the neighbour for the ones that follow. */
		count_node(XLB_CNT_FIB_NO_NEIGH, bytes);
		res.action = XDP_PASS;
		return res;
	}
	if (!(cfg->flags & XLB_NODE_HAS_GATEWAY)) {
		res.reason = XLB_DROP_NO_ROUTE;
		return res;
	}
	count_node(XLB_CNT_FIB_FALLBACK, bytes);
	if (cfg->flags & XLB_NODE_HAS_MAC)
		__builtin_memcpy(eth->h_source, cfg->node_mac, ETH_ALEN);
	else
		__builtin_memcpy(eth->h_source, pkt->l2.eth.h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, cfg->gateway_mac, ETH_ALEN);
	res.action = XDP_TX;
	return res;
}

#endif /* XLB_BPF_NEXTHOP_H */
