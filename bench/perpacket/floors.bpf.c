/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floors the balancer is measured against: the least an XDP program can
 * do and still send a packet back out (swap the MACs, XDP_TX), and the least
 * it can do to let one through (XDP_PASS). Each bare, and inside the bench
 * wrapper (wrap.h) like the balancer, so that the wrapper's own cost is the
 * difference between the two.
 *
 * Then the stages: the XDP_TX floor plus one primitive of the balancer's
 * path (a FIB lookup, a hash or LRU lookup, the flow hash, ...), so that the
 * cost of each is measured apart and the report can say where the time goes.
 * Each checks its primitive's answer and drops otherwise: an XDP_TX verdict
 * means it did the work it names.
 */
#include "wrap.h"
#include "xlb/flow_hash.h"

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

/* Keys the stage maps hold (userspace inserts the same ones). */
#define STAGE_KEY_WORD 1

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_vip_addr_key);
	__type(value, __u32);
	__uint(max_entries, 1024);
} xlb_stage_hash_map SEC(".maps");

/* Like the session cache: LRU with per-CPU lists, a flow as the key. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct xlb_flow);
	__type(value, struct xlb_session);
	__uint(max_entries, 262144);
} xlb_stage_lru_map SEC(".maps");

SEC("xdp")
int xlb_stage_fib4(struct xdp_md *ctx)
{
	struct bpf_fib_lookup fib = {};

	/* What nexthop_resolve asks for a backend behind the lab's router. */
	fib.family = AF_INET;
	fib.ifindex = ctx->ingress_ifindex;
	fib.ipv4_src = bpf_htonl(0xc612c801); /* 198.18.200.1, the encap source */
	fib.ipv4_dst = bpf_htonl(0x0ac80001); /* 10.200.0.1, a backend */
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_DROP;
	return floor_tx(ctx);
}

SEC("xdp")
int xlb_stage_fib6(struct xdp_md *ctx)
{
	struct bpf_fib_lookup fib = {};

	fib.family = AF_INET6;
	fib.ifindex = ctx->ingress_ifindex;
	fib.ipv6_src[0] = bpf_htonl(0x20010db8); /* 2001:db8:ff::1 */
	fib.ipv6_src[1] = bpf_htonl(0x00ff0000);
	fib.ipv6_src[3] = bpf_htonl(1);
	fib.ipv6_dst[0] = bpf_htonl(0x20010db8); /* 2001:db8:be::1 */
	fib.ipv6_dst[1] = bpf_htonl(0x00be0000);
	fib.ipv6_dst[3] = bpf_htonl(1);
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_DROP;
	return floor_tx(ctx);
}

SEC("xdp")
int xlb_stage_hash(struct xdp_md *ctx)
{
	struct xlb_vip_addr_key key = {.family = XLB_FAMILY_V4};

	key.addr.addr[0] = STAGE_KEY_WORD;
	if (!bpf_map_lookup_elem(&xlb_stage_hash_map, &key))
		return XDP_DROP;
	return floor_tx(ctx);
}

SEC("xdp")
int xlb_stage_lru(struct xdp_md *ctx)
{
	struct xlb_flow key = {.proto = IPPROTO_TCP, .family = XLB_FAMILY_V4};

	key.src[0] = STAGE_KEY_WORD;
	if (!bpf_map_lookup_elem(&xlb_stage_lru_map, &key))
		return XDP_DROP;
	return floor_tx(ctx);
}

/* The flow hash over the packet's own addresses and ports (untagged IPv4). */
SEC("xdp")
int xlb_stage_hash5(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__be16 *ports = (void *)(ip + 1);
	struct xlb_flow f = {.proto = IPPROTO_TCP, .family = XLB_FAMILY_V4};

	if ((void *)(ports + 2) > data_end)
		return XDP_DROP;
	f.src[0] = ip->saddr;
	f.dst[0] = ip->daddr;
	f.sport = ports[0];
	f.dport = ports[1];
	/* Never true for the bench's packet; keeps the hash from being optimised away. */
	if (xlb_flow_hash(&f, 0x5eed1234) == 0)
		return XDP_DROP;
	return floor_tx(ctx);
}

SEC("xdp")
int xlb_stage_ktime(struct xdp_md *ctx)
{
	if (!bpf_ktime_get_ns())
		return XDP_DROP;
	return floor_tx(ctx);
}

/* What an encapsulation costs in helper calls: the head out by an IPv4
 * header and back (two calls; the balancer makes the first). */
SEC("xdp")
int xlb_stage_head(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct iphdr)))
		return XDP_DROP;
	return floor_tx(ctx);
}
