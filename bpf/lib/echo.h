/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Echo requests to a VIP address are answered by the L4 node itself, so that
 * ping and traceroute-style checks of a VIP work (the backends never see
 * them, and the node's kernel does not own the VIP). The request becomes the
 * reply in place: addresses and MACs swapped, type changed, checksums fixed.
 * Only plain headers (IPv4 without options, IPv6 without extension headers).
 */
#ifndef XLB_BPF_ECHO_H
#define XLB_BPF_ECHO_H

#include "lib/csum.h"
#include "lib/parse.h"
#include "lib/reply.h"

#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* Type, code and checksum: all an echo needs of the ICMP header. */
struct echo_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
};

/* 1 when the packet is an ICMP or ICMPv6 echo request with plain headers. */
static __always_inline int is_echo_request(void *data, void *data_end, const struct packet *pkt)
{
	const __u32 l2_len = pkt->l2_len;
	struct echo_hdr *icmp;

	if (l2_len > 22)
		return 0;
	if (pkt->family == XLB_FAMILY_V4) {
		icmp = data + l2_len + sizeof(struct iphdr);
		if (pkt->l3_len != sizeof(struct iphdr) || (void *)(icmp + 1) > data_end)
			return 0;
		return icmp->type == ICMP_ECHO_REQUEST && icmp->code == 0;
	}
	icmp = data + l2_len + sizeof(struct ipv6hdr);
	if (pkt->l3_len != sizeof(struct ipv6hdr) || (void *)(icmp + 1) > data_end)
		return 0;
	return icmp->type == ICMPV6_ECHO_REQUEST && icmp->code == 0;
}

static __always_inline int echo_reply_at(void *data, void *data_end, const struct packet *pkt, const __u32 l2_len)
{
	struct echo_hdr *icmp;
	__u16 old_word, new_word;

	if (pkt->family == XLB_FAMILY_V4) {
		struct iphdr *ip = data + l2_len;
		__be32 addr;

		icmp = (void *)(ip + 1);
		if ((void *)(icmp + 1) > data_end)
			return -1;
		addr = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = addr;
		ip->ttl = REPLY_TTL;
		ip->check = 0;
		ip->check = ipv4_header_csum(ip);
		old_word = *(__u16 *)icmp;
		icmp->type = ICMP_ECHO_REPLY;
	} else {
		struct ipv6hdr *ip6 = data + l2_len;
		struct in6_addr addr;

		icmp = (void *)(ip6 + 1);
		if ((void *)(icmp + 1) > data_end)
			return -1;
		/* Swapping the addresses leaves the pseudo-header sum as it was. */
		addr = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = addr;
		ip6->hop_limit = REPLY_TTL;
		old_word = *(__u16 *)icmp;
		icmp->type = ICMPV6_ECHO_REPLY;
	}
	new_word = *(__u16 *)icmp;
	icmp->checksum = csum_replace16(icmp->checksum, old_word, new_word);
	swap_macs(data);
	return XDP_TX;
}

/* XDP_TX with the reply in place of the request, or -1. */
static __always_inline int answer_echo(struct xdp_md *ctx, const struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + sizeof(struct ethhdr) > data_end)
		return -1;
	switch (pkt->l2_len) {
	case 14:
		return echo_reply_at(data, data_end, pkt, 14);
	case 18:
		return echo_reply_at(data, data_end, pkt, 18);
	case 22:
		return echo_reply_at(data, data_end, pkt, 22);
	}
	return -1;
}

#endif /* XLB_BPF_ECHO_H */
