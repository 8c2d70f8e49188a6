/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the encapsulated packet goes next: the kernel FIB names the egress
 * interface and the neighbour's MAC; with a route but no neighbour yet the
 * kernel forwards it; without a route we fall back to the configured gateway
 * MAC on the ingress interface. A successful answer is kept per backend and
 * CPU for an epoch (xlb_nhcache_v2, abi.h), which saves the lookup for every
 * packet but the first of each epoch.
 */
#ifndef XLB_BPF_NEXTHOP_H
#define XLB_BPF_NEXTHOP_H

#include "lib/counters.h"
#include "lib/parse.h"

struct nexthop_result {
	int action; /* XDP_TX, XDP_REDIRECT, XDP_PASS (kernel resolves) or XDP_DROP */
	enum xlb_drop_reason reason; /* when action == XDP_DROP */
};

/* Bounds are checked again in each branch: the verifier does not carry one
 * check made for "20 or 40 bytes" into the branch that reads 40. */
static __always_inline int fib_lookup_outer(struct xdp_md *ctx, struct bpf_fib_lookup *fib,
					    const struct xlb_backend *be, const void *outer_ip, const void *data_end)
{
	fib->ifindex = ctx->ingress_ifindex;
	if (be->family == XLB_FAMILY_V4) {
		const struct iphdr *iph = outer_ip;

		if ((const void *)(iph + 1) > data_end)
			return -1;
		fib->family = AF_INET;
		fib->ipv4_src = iph->saddr;
		fib->ipv4_dst = iph->daddr;
	} else {
		const struct ipv6hdr *ip6h = outer_ip;

		if ((const void *)(ip6h + 1) > data_end)
			return -1;
		fib->family = AF_INET6;
		__builtin_memcpy(fib->ipv6_src, &ip6h->saddr, 16);
		__builtin_memcpy(fib->ipv6_dst, &ip6h->daddr, 16);
	}
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

static __always_inline __u64 nexthop_epoch(void)
{
	/* Never 0, which marks an empty entry. */
	return (bpf_jiffies64() >> XLB_NEXTHOP_EPOCH_SHIFT) | 1ull << 63;
}

/* The cached answer for this backend, if it is from this epoch, for this
 * holder of the backend id and for packets arriving where this one did. */
static __always_inline const struct xlb_nexthop_cache *
nexthop_cached(struct xdp_md *ctx, __u32 backend_id, const struct xlb_backend *be, __u64 epoch)
{
	const struct xlb_nexthop_cache *c = bpf_map_lookup_elem(&xlb_nhcache_v2, &backend_id);

	if (!c || c->epoch != epoch || c->generation != be->generation || c->ingress_ifindex != ctx->ingress_ifindex)
		return NULL;
	return c;
}

static __always_inline void nexthop_remember(struct xdp_md *ctx, __u32 backend_id, const struct xlb_backend *be,
					     const struct bpf_fib_lookup *fib, __u64 epoch)
{
	struct xlb_nexthop_cache *c = bpf_map_lookup_elem(&xlb_nhcache_v2, &backend_id);

	if (!c)
		return;
	__builtin_memcpy(c->dmac, fib->dmac, ETH_ALEN);
	__builtin_memcpy(c->smac, fib->smac, ETH_ALEN);
	c->ifindex = fib->ifindex;
	c->ingress_ifindex = ctx->ingress_ifindex;
	c->generation = be->generation;
	c->epoch = epoch;
}

/* The frame leaves by XDP_TX or, toward another interface, XDP_REDIRECT. */
static __always_inline struct nexthop_result nexthop_send(struct xdp_md *ctx, const struct packet *pkt,
							  struct ethhdr *eth, const __u8 *dmac, const __u8 *smac,
							  __u32 ifindex)
{
	struct nexthop_result res = {.action = XDP_DROP};

	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	/* Tagged frames go back out as they came: the FIB would name the VLAN
	 * device, which XDP cannot transmit on. */
	if (ifindex == ctx->ingress_ifindex || pkt->l2.vlan_count) {
		res.action = XDP_TX;
		return res;
	}
	if (!bpf_map_lookup_elem(&xlb_tx_ports_v2, &ifindex)) {
		res.reason = XLB_DROP_NO_TX_PORT;
		return res;
	}
	res.action = bpf_redirect_map(&xlb_tx_ports_v2, ifindex, 0);
	return res;
}

/* Sets the frame's MACs and decides between XDP_TX and XDP_REDIRECT. */
static __always_inline struct nexthop_result
nexthop_resolve(struct xdp_md *ctx, const struct packet *pkt, __u32 backend_id, const struct xlb_backend *be,
		const struct xlb_node_cfg *cfg, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct nexthop_result res = {.action = XDP_DROP};
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	__u32 l2_len = pkt->l2_len;
	const struct xlb_nexthop_cache *cached;
	__u64 epoch;
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

	epoch = nexthop_epoch();
	cached = nexthop_cached(ctx, backend_id, be, epoch);
	if (cached) {
		count_node(XLB_CNT_FIB_HIT, bytes);
		count_node(XLB_CNT_NEXTHOP_CACHED, bytes);
		return nexthop_send(ctx, pkt, eth, cached->dmac, cached->smac, cached->ifindex);
	}
	rc = fib_lookup_outer(ctx, &fib, be, outer_ip, data_end);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		count_node(XLB_CNT_FIB_HIT, bytes);
		nexthop_remember(ctx, backend_id, be, &fib, epoch);
		return nexthop_send(ctx, pkt, eth, fib.dmac, fib.smac, fib.ifindex);
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
