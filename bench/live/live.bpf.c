/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live benchmark's XDP programs:
 *
 * live_gen    the traffic generator, run by BPF_PROG_TEST_RUN in live-frames
 *             mode: every frame gets the template's headers, then the flow of
 *             its number (VIP, source port, source address) and checksums to
 *             match, and leaves by XDP_TX out of the generator's veth.
 * live_sink   counts what reaches the sink, then drops it.
 * live_floor  the least a forwarder in the L4 node's place can do: new MACs,
 *             redirect to the interface toward the sink.
 *
 * Live frames are recycled pages: a frame can come back holding whatever the
 * node wrote into it (an outer header over the Ethernet header), so the
 * generator rewrites every header byte and computes every checksum from the
 * template's constants, never from what the page holds.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "live_abi.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct live_gen_cfg gen_cfg = {};
const volatile struct live_floor_cfg floor_cfg = {};

/* Frames generated so far; the test run is issued from one thread. */
__u64 gen_next = 0;
/* Pacing, set by userspace before each trial: one group of `gen_group`
 * frames every interval (0: flat out). Reading the clock costs a good part of
 * a frame, so it is read once a group. A group later than its due time by
 * more than `slack` starts a new schedule instead of a catch-up burst. */
__u64 gen_interval_ns = 0;
__u64 gen_slack_ns = 0;
__u64 gen_due_ns = 0;
__u32 gen_group = 0; /* 0 or 1: every frame */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct live_count);
	__uint(max_entries, 1);
} live_sink_count SEC(".maps");

/* Offsets in an untagged IPv4 frame. */
#define IP_CSUM_OFF (ETH_HLEN + 10)
#define IP_SRC_OFF (ETH_HLEN + 12)
#define IP_DST_OFF (ETH_HLEN + 16)
#define L4_SPORT_OFF (ETH_HLEN + 20)
#define TCP_CSUM_OFF (ETH_HLEN + 20 + 16)

static __always_inline __u32 csum_add32(__u32 sum, __u32 old_be, __u32 new_be)
{
	/* RFC 1624, word by word: ~old + new. */
	sum += (~old_be & 0xffff) + (~old_be >> 16);
	sum += (new_be & 0xffff) + (new_be >> 16);
	return sum;
}

static __always_inline __u16 csum_finish(__u16 check, __u32 sum)
{
	sum += (__u16)~check;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Reads the configuration byte by byte through volatile: with a plain copy
 * the compiler would fold in the zeros the object is initialised with,
 * not what userspace wrote there before the load. */
static __always_inline void copy_volatile(void *dst, const volatile __u8 *src, int len)
{
#pragma unroll
	for (int i = 0; i < len; i++)
		((__u8 *)dst)[i] = src[i];
}

static long until_due(__u32 index, void *due)
{
	return bpf_ktime_get_ns() >= *(__u64 *)due;
}

/* The kernel runs the test run's frames back to back: the offered rate is
 * set here, by waiting for each frame's due time. */
static __always_inline void pace(void)
{
	__u64 now, due;

	if (!gen_interval_ns || (gen_group > 1 && gen_next % gen_group))
		return;
	now = bpf_ktime_get_ns();
	due = gen_due_ns;
	if (!due || now > due + gen_slack_ns)
		due = now;
	else if (now < due)
		bpf_loop(1 << 23, until_due, &due, 0);
	gen_due_ns = due + gen_interval_ns;
}

SEC("xdp")
int live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 f, rest, dst, src, sport;
	__u32 dst_be, src_be, base_dst_be, base_src_be, sum;

	if (data + LIVE_HEADER_LEN > data_end)
		return XDP_ABORTED;
	pace();
	copy_volatile(data, gen_cfg.header, LIVE_HEADER_LEN);

	f = (__u32)(gen_next++ % gen_cfg.flows);
	dst = gen_cfg.dst_base + f % gen_cfg.dst_count;
	rest = f / gen_cfg.dst_count;
	sport = gen_cfg.sport_base + rest % gen_cfg.sport_count;
	src = gen_cfg.src_base + (rest / gen_cfg.sport_count) % gen_cfg.src_count;

	dst_be = bpf_htonl(dst);
	src_be = bpf_htonl(src);
	base_dst_be = bpf_htonl(gen_cfg.dst_base);
	base_src_be = bpf_htonl(gen_cfg.src_base);
	*(__u32 *)(data + IP_SRC_OFF) = src_be;
	*(__u32 *)(data + IP_DST_OFF) = dst_be;
	*(__u16 *)(data + L4_SPORT_OFF) = bpf_htons((__u16)sport);

	sum = csum_add32(0, base_src_be, src_be);
	sum = csum_add32(sum, base_dst_be, dst_be);
	*(__u16 *)(data + IP_CSUM_OFF) = csum_finish(gen_cfg.ip_csum, sum);
	if (gen_cfg.tcp) {
		/* The pseudo-header's addresses and the source port. */
		sum += (__u16)~bpf_htons(gen_cfg.sport_base) + bpf_htons((__u16)sport);
		*(__u16 *)(data + TCP_CSUM_OFF) = csum_finish(gen_cfg.tcp_csum, sum);
	}
	return XDP_TX;
}

SEC("xdp")
int live_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct live_count *c = bpf_map_lookup_elem(&live_sink_count, &zero);

	if (c) {
		c->packets++;
		c->bytes += (__u64)(ctx->data_end - ctx->data);
	}
	return XDP_DROP;
}

SEC("xdp")
int live_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	copy_volatile(eth->h_dest, floor_cfg.dmac, ETH_ALEN);
	copy_volatile(eth->h_source, floor_cfg.smac, ETH_ALEN);
	return bpf_redirect(floor_cfg.out_ifindex, 0);
}
