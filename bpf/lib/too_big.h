/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path MTU discovery through the tunnel. Encapsulation adds 20 bytes (40 for
 * an IPv6 outer header), so a full-size client packet may no longer fit on
 * the path to the backend. Like a router, the node answers it with ICMP:
 * Fragmentation Needed (IPv4 with DF) or Packet Too Big (IPv6), with the VIP
 * as source and the MTU the client must use, so that the client's kernel
 * lowers its path MTU for the VIP. TCP is mostly spared by the backend's MSS;
 * UDP (and QUIC) depends on this. IPv4 without DF is dropped and counted:
 * we do not fragment (the backend would need to reassemble tunnelled
 * fragments, and a node that fragments is an easy amplifier).
 *
 * The answer is built in place: the frame is cut to the part to be quoted,
 * the head grows by the new IP + ICMP headers, and the L2 header (VLAN tags
 * kept) moves to the front with its MAC addresses swapped.
 */
#ifndef XLB_BPF_TOO_BIG_H
#define XLB_BPF_TOO_BIG_H

#include "lib/csum.h"
#include "lib/encap.h"
#include "lib/l4_maps.h"
#include "lib/parse.h"
#include "lib/reply.h"

#define ICMP_FRAG_NEEDED_TYPE 3
#define ICMP_FRAG_NEEDED_CODE 4
#define ICMPV6_PACKET_TOO_BIG 2
#define ICMP_HDR_LEN 8
#define V4_QUOTE_LEN (20 + 8)   /* the IP header (no options) and 8 bytes of payload */
#define V6_QUOTE_LEN 1232       /* as much as fits in the IPv6 minimum MTU, 1280 */
#define IPV6_MIN_MTU 1280

/* The two ICMP headers we write (linux/icmp.h drags in libc headers). */
struct frag_needed_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__u16 unused;
	__be16 mtu;
};
struct packet_too_big_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be32 mtu;
};

/* One token of the CPU's ICMP budget, or 0 when it is spent. */
static __always_inline int icmp_budget_admits(const struct xlb_node_cfg *cfg)
{
	__u32 zero = 0;
	struct xlb_icmp_bucket *b;
	__u64 now, elapsed, tokens, cap;

	if (!cfg->icmp_rate)
		return 1;
	b = bpf_map_lookup_elem(&xlb_icmpbucket_v2, &zero);
	if (!b)
		return 0;
	now = bpf_ktime_get_ns();
	elapsed = now - b->last_ns;
	if (elapsed > 10ull * XLB_NS_PER_TOKEN)
		elapsed = 10ull * XLB_NS_PER_TOKEN; /* keeps elapsed x rate in 64 bits */
	cap = (__u64)cfg->icmp_burst * XLB_NS_PER_TOKEN;
	tokens = b->tokens_ns + elapsed * cfg->icmp_rate;
	if (tokens > cap)
		tokens = cap;
	b->last_ns = now;
	if (tokens < XLB_NS_PER_TOKEN) {
		b->tokens_ns = tokens;
		return 0;
	}
	b->tokens_ns = tokens - XLB_NS_PER_TOKEN;
	return 1;
}

/* ICMP Fragmentation Needed for an IPv4 packet without options, L2 header of
 * exactly l2_len bytes (a constant once inlined). */
static __always_inline int frag_needed_at(struct xdp_md *ctx, const struct packet *pkt, __u64 frame_len,
					  __u16 mtu, const __u32 l2_len)
{
	void *data, *data_end;
	struct iphdr *ip, *quote;
	struct frag_needed_hdr *icmp;

	if (frame_len < l2_len + V4_QUOTE_LEN)
		return -1;
	if (bpf_xdp_adjust_tail(ctx, (int)(l2_len + V4_QUOTE_LEN) - (int)frame_len))
		return -1;
	if (bpf_xdp_adjust_head(ctx, -(int)(sizeof(struct iphdr) + ICMP_HDR_LEN)))
		return -1;
	if (!write_l2(ctx, pkt, bpf_htons(ETH_P_IP)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + l2_len + sizeof(*ip) + ICMP_HDR_LEN + V4_QUOTE_LEN > data_end)
		return -1;
	swap_macs(data);
	ip = data + l2_len;
	icmp = (void *)(ip + 1);
	quote = (void *)icmp + ICMP_HDR_LEN;

	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(sizeof(*ip) + ICMP_HDR_LEN + V4_QUOTE_LEN);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = REPLY_TTL;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = quote->daddr; /* the VIP answers */
	ip->daddr = quote->saddr;
	ip->check = 0;
	ip->check = ipv4_header_csum(ip);

	icmp->type = ICMP_FRAG_NEEDED_TYPE;
	icmp->code = ICMP_FRAG_NEEDED_CODE;
	icmp->checksum = 0;
	icmp->unused = 0;
	icmp->mtu = bpf_htons(mtu);
	icmp->checksum = csum_fold(sum_words(icmp, (ICMP_HDR_LEN + V4_QUOTE_LEN) / 2));
	return XDP_TX;
}

/* The sum of V6_QUOTE_LEN bytes at p, in helper-sized chunks (at most 512). */
static __always_inline __u64 sum_v6_quote(void *p)
{
	__u64 sum = 0;

	sum += (__u32)bpf_csum_diff(NULL, 0, p, 512, 0);
	sum += (__u32)bpf_csum_diff(NULL, 0, p + 512, 512, 0);
	sum += (__u32)bpf_csum_diff(NULL, 0, p + 1024, V6_QUOTE_LEN - 1024, 0);
	return sum;
}

/* ICMPv6 Packet Too Big, L2 header of exactly l2_len bytes. */
static __always_inline int packet_too_big_at(struct xdp_md *ctx, const struct packet *pkt, __u64 frame_len,
					     __u32 mtu, const __u32 l2_len)
{
	void *data, *data_end, *quote;
	struct ipv6hdr *ip6, *orig;
	struct packet_too_big_hdr *icmp6;
	__u64 sum;

	if (frame_len < l2_len + V6_QUOTE_LEN)
		return -1;
	if (bpf_xdp_adjust_tail(ctx, (int)(l2_len + V6_QUOTE_LEN) - (int)frame_len))
		return -1;
	if (bpf_xdp_adjust_head(ctx, -(int)(sizeof(struct ipv6hdr) + ICMP_HDR_LEN)))
		return -1;
	if (!write_l2(ctx, pkt, bpf_htons(ETH_P_IPV6)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + l2_len + sizeof(*ip6) + ICMP_HDR_LEN + V6_QUOTE_LEN > data_end)
		return -1;
	swap_macs(data);
	ip6 = data + l2_len;
	icmp6 = (void *)(ip6 + 1);
	quote = (void *)icmp6 + ICMP_HDR_LEN;
	orig = quote;

	ip6->version = 6;
	ip6->priority = 0;
	__builtin_memset(ip6->flow_lbl, 0, sizeof(ip6->flow_lbl));
	ip6->payload_len = bpf_htons(ICMP_HDR_LEN + V6_QUOTE_LEN);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = REPLY_TTL;
	ip6->saddr = orig->daddr; /* the VIP answers */
	ip6->daddr = orig->saddr;

	icmp6->type = ICMPV6_PACKET_TOO_BIG;
	icmp6->code = 0;
	icmp6->checksum = 0;
	icmp6->mtu = bpf_htonl(mtu);
	/* Pseudo header (addresses, upper-layer length, next header), ICMP header, quote. */
	sum = sum_words(&ip6->saddr, 16);
	sum += bpf_htonl(ICMP_HDR_LEN + V6_QUOTE_LEN) >> 16;
	sum += bpf_htonl(ICMP_HDR_LEN + V6_QUOTE_LEN) & 0xffff;
	sum += bpf_htons(IPPROTO_ICMPV6);
	sum += sum_words(icmp6, ICMP_HDR_LEN / 2);
	sum += sum_v6_quote(quote);
	icmp6->checksum = csum_fold64(sum);
	return XDP_TX;
}

/*
 * The client packet does not fit in backend_mtu once `overhead` bytes of
 * tunnel are added: answer it (XDP_TX) or say why not (a drop reason, as a
 * negative number: -(reason + 1)).
 */
static __always_inline int answer_too_big(struct xdp_md *ctx, const struct packet *pkt,
					  const struct xlb_node_cfg *cfg, __u32 overhead, __u64 frame_len)
{
	__u32 mtu = cfg->backend_mtu - overhead;
	int rc = -1;

	if (pkt->family == XLB_FAMILY_V4 && !pkt->df)
		return -(XLB_DROP_TOO_BIG_NO_DF + 1);
	if (pkt->family == XLB_FAMILY_V4 ? pkt->l3_len != sizeof(struct iphdr)
					 : pkt->ip_len < V6_QUOTE_LEN)
		return -(XLB_DROP_TOO_BIG_UNANSWERED + 1);
	if (!icmp_budget_admits(cfg))
		return -(XLB_DROP_ICMP_RATE_LIMITED + 1);
	if (pkt->family == XLB_FAMILY_V4) {
		if (pkt->l2_len == 14)
			rc = frag_needed_at(ctx, pkt, frame_len, mtu, 14);
		else if (pkt->l2_len == 18)
			rc = frag_needed_at(ctx, pkt, frame_len, mtu, 18);
		else if (pkt->l2_len == 22)
			rc = frag_needed_at(ctx, pkt, frame_len, mtu, 22);
	} else {
		if (mtu < IPV6_MIN_MTU)
			mtu = IPV6_MIN_MTU;
		if (pkt->l2_len == 14)
			rc = packet_too_big_at(ctx, pkt, frame_len, mtu, 14);
		else if (pkt->l2_len == 18)
			rc = packet_too_big_at(ctx, pkt, frame_len, mtu, 18);
		else if (pkt->l2_len == 22)
			rc = packet_too_big_at(ctx, pkt, frame_len, mtu, 22);
	}
	return rc == XDP_TX ? XDP_TX : -(XLB_DROP_TOO_BIG_UNANSWERED + 1);
}

#endif /* XLB_BPF_TOO_BIG_H */
