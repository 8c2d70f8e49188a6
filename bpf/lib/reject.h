/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TCP SYN to a VIP with no backend able to take it (none configured, all
 * DOWN or draining) is answered with a RST, as a closed port would be: the
 * client fails at once instead of retrying its SYN for a minute against
 * silence. The reply is built in place and sent back out the ingress
 * interface. Only plain headers are handled (IPv4 without options, IPv6
 * without extension headers); anything else is dropped and counted as
 * no_backend, like every non-SYN packet to such a VIP.
 */
#ifndef XLB_BPF_REJECT_H
#define XLB_BPF_REJECT_H

#include "lib/common.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/reply.h"


/* Rewrites the TCP header of the SYN at `th` into the RST that answers it;
 * the checksum is left to the caller (it needs the addresses). */
static __always_inline void make_rst(struct tcphdr *th, __u32 seg_len)
{
	__u16 port = th->source;
	__u32 their_seq = bpf_ntohl(th->seq);

	th->source = th->dest;
	th->dest = port;
	th->ack_seq = bpf_htonl(their_seq + seg_len); /* the SYN, and any data it carried */
	th->seq = 0;
	/* data offset 5 (no options), flags RST|ACK: bytes 12 and 13 of the header. */
	((__u8 *)th)[12] = 5 << 4;
	((__u8 *)th)[13] = 0x04 | 0x10;
	th->window = 0;
	th->urg_ptr = 0;
	th->check = 0;
}

/* The TCP checksum over the pseudo header (`addr_sum`: both addresses,
 * already summed) and the 20-byte header. Each family calls it with its own
 * freshly checked pointer, which keeps the verifier's packet range. */
static __always_inline int finish_rst(struct tcphdr *th, void *data_end, __u32 addr_sum)
{
	__u32 sum = addr_sum + bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*th));

	if ((void *)(th + 1) > data_end)
		return -1;
	sum += sum_words(th, sizeof(*th) / 2);
	th->check = csum_fold(sum);
	return XDP_TX;
}

/* reject_tcp_syn() for an L2 header of exactly l2_len bytes (a constant once
 * inlined, so every packet offset below is constant for the verifier). */
static __always_inline int reject_at(struct xdp_md *ctx, const struct packet *pkt, __u64 frame_len,
				     const __u32 l2_len)
{
	const __u32 l3_len = pkt->family == XLB_FAMILY_V4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th;
	__u32 seg_len;
	int shrink;

	if (pkt->l3_len != l3_len)
		return -1;
	th = data + l2_len + l3_len;
	if ((void *)(th + 1) > data_end)
		return -1;
	seg_len = pkt->ip_len - l3_len - th->doff * 4 + 1; /* payload bytes + the SYN */
	shrink = (int)frame_len - (int)(l2_len + l3_len + sizeof(*th));
	make_rst(th, seg_len);
	if (shrink > 0 && bpf_xdp_adjust_tail(ctx, -shrink))
		return -1;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) > data_end)
		return -1;
	swap_macs(data);

	if (pkt->family == XLB_FAMILY_V4) {
		struct iphdr *iph = data + l2_len;
		__be32 addr;

		th = (void *)(iph + 1);
		if ((void *)(th + 1) > data_end)
			return -1;
		addr = iph->saddr;
		iph->saddr = iph->daddr;
		iph->daddr = addr;
		iph->tos = 0;
		iph->tot_len = bpf_htons(sizeof(*iph) + sizeof(*th));
		iph->id = 0;
		iph->frag_off = bpf_htons(0x4000); /* DF */
		iph->ttl = REPLY_TTL;
		iph->check = 0;
		iph->check = ipv4_header_csum(iph);
		return finish_rst(th, data_end, sum_words(&iph->saddr, 4));
	} else {
		struct ipv6hdr *ip6 = data + l2_len;
		struct in6_addr addr;

		th = (void *)(ip6 + 1);
		if ((void *)(th + 1) > data_end)
			return -1;
		addr = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = addr;
		ip6->priority = 0;
		__builtin_memset(ip6->flow_lbl, 0, sizeof(ip6->flow_lbl));
		ip6->payload_len = bpf_htons(sizeof(*th));
		ip6->hop_limit = REPLY_TTL;
		return finish_rst(th, data_end, sum_words(&ip6->saddr, 16));
	}
}

/* XDP_TX with the RST in place of the SYN, or -1 when the frame is not one we answer. */
static __always_inline int reject_tcp_syn(struct xdp_md *ctx, const struct packet *pkt, __u64 frame_len)
{
	switch (pkt->l2_len) {
	case 14:
		return reject_at(ctx, pkt, frame_len, 14); /* Ethernet */
	case 18:
		return reject_at(ctx, pkt, frame_len, 18); /* one VLAN tag */
	case 22:
		return reject_at(ctx, pkt, frame_len, 22); /* two */
	}
	return -1;
}

#endif /* XLB_BPF_REJECT_H */
