/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floors the balancer is measured against: the least an XDP program can
 * do and still send a packet back out (swap the MACs, XDP_TX), and the least
 * it can do to let one through (XDP_PASS). Each bare, and inside the bench
 * wrapper (wrap.h) like the balancer, so that the wrapper's own cost is the
 * difference between the two.
 */
#include "wrap.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int floor_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

SEC("xdp")
int xlb_floor_tx(struct xdp_md *ctx)
{
	return floor_tx(ctx);
}

SEC("xdp")
int xlb_floor_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

XLB_BENCH_WRAPPED(xlb_bench_floor_tx, floor_tx(ctx))
XLB_BENCH_WRAPPED(xlb_bench_floor_pass, XDP_PASS)
