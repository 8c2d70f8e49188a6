/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Header parsing. Each step takes the packet cursor and data_end, checks
 * bounds before every read, and either advances the cursor or reports why it
 * could not. Nothing here decides a verdict: the caller knows whether the
 * packet was for a VIP and therefore whether a parse failure is a drop or
 * none of our business.
 */
#ifndef XLB_BPF_PARSE_H
#define XLB_BPF_PARSE_H

#include "lib/common.h"
#include "xlb/flow_hash.h"

enum parse_result {
	PARSE_OK = 0,
	PARSE_NOT_IP,    /* ARP, LLDP, ...: not ours to look at */
	PARSE_TRUNCATED, /* a header ends beyond data_end */
	PARSE_MALFORMED, /* a header's own fields are impossible */
};

/* The Ethernet header and up to two VLAN tags, kept verbatim so that the
 * encapsulated packet leaves on the same VLAN it came in on. */
struct l2_header {
	struct ethhdr eth; /* h_proto: first ethertype (a TPID when tagged) */
	__be16 tags[XLB_MAX_VLAN_TAGS][2]; /* {TCI, inner ethertype} per tag */
	__u8 vlan_count;
};

/* What the L4 program knows about a packet once parsed. */
struct packet {
	struct l2_header l2;
	__u16 l2_len;     /* bytes before the IP header: 14, 18 or 22 */
	__u16 l3_len;     /* IPv4 header with options, or IPv6 header + extensions */
	__u16 ip_len;     /* the whole IP packet as its header states it */
	__u8 family;      /* XLB_FAMILY_V4 / XLB_FAMILY_V6 */
	__u8 l4_proto;
	__u8 tos;         /* IPv4 TOS or IPv6 traffic class: DSCP + ECN */
	__u8 fragment;    /* an IPv4 fragment or an IPv6 fragment header seen */
	__u8 tcp_flags;   /* FIN 0x01, SYN 0x02, RST 0x04, ... ACK 0x10; 0 for UDP */
	__u8 df;          /* IPv4 don't-fragment bit */
	struct xlb_flow flow;
};

static __always_inline __be16 l2_inner_proto(const struct l2_header *l2)
{
	if (l2->vlan_count == 0)
		return l2->eth.h_proto;
	if (l2->vlan_count == 1)
		return l2->tags[0][1];
	return l2->tags[1][1];
}

static __always_inline int parse_l2(void *data, void *data_end, struct l2_header *l2, __u16 *l2_len)
{
	struct ethhdr *eth = data;
	__be16 proto;
	__u16 off = sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return PARSE_TRUNCATED;
	__builtin_memcpy(&l2->eth, eth, sizeof(*eth));
	l2->vlan_count = 0;
	proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < XLB_MAX_VLAN_TAGS; i++) {
		__be16 *tag = data + off;

		if (proto != ETH_P_8021Q_BE && proto != ETH_P_8021AD_BE)
			break;
		if ((void *)(tag + 2) > data_end)
			return PARSE_TRUNCATED;
		l2->tags[i][0] = tag[0];
		l2->tags[i][1] = tag[1];
		l2->vlan_count = i + 1;
		proto = tag[1];
		off += 4;
	}
	*l2_len = off;
	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return PARSE_NOT_IP;
	return PARSE_OK;
}

static __always_inline int parse_ipv4(void *data, void *data_end, struct packet *pkt)
{
	struct iphdr *iph = data + pkt->l2_len;
	__u16 ihl_bytes;

	if ((void *)(iph + 1) > data_end)
		return PARSE_TRUNCATED;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_MALFORMED;
	ihl_bytes = iph->ihl * 4;
	/* Options are kept as they are: the inner packet travels untouched. */
	if (data + pkt->l2_len + ihl_bytes > data_end)
		return PARSE_TRUNCATED;

	pkt->family = XLB_FAMILY_V4;
	pkt->l3_len = ihl_bytes;
	pkt->ip_len = bpf_ntohs(iph->tot_len);
	pkt->l4_proto = iph->protocol;
	pkt->tos = iph->tos;
	pkt->fragment = (iph->frag_off & IPV4_FRAG_MASK_BE) != 0;
	pkt->df = (iph->frag_off & bpf_htons(0x4000)) != 0;
	pkt->flow.src[0] = iph->saddr;
	pkt->flow.dst[0] = iph->daddr;
	pkt->flow.family = XLB_FAMILY_V4;
	return PARSE_OK;
}

/* Hop-by-hop, routing and destination options share one layout: next header,
 * then length in 8-octet units not counting the first 8. */
static __always_inline int is_skippable_ipv6_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS;
}

static __always_inline int parse_ipv6(void *data, void *data_end, struct packet *pkt)
{
	struct ipv6hdr *ip6h = data + pkt->l2_len;
	__u16 off = sizeof(*ip6h);
	__u8 nexthdr;

	if ((void *)(ip6h + 1) > data_end)
		return PARSE_TRUNCATED;
	if (ip6h->version != 6)
		return PARSE_MALFORMED;

	pkt->family = XLB_FAMILY_V6;
	pkt->ip_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	pkt->tos = (ip6h->priority << 4) | (ip6h->flow_lbl[0] >> 4);
	pkt->fragment = 0;
	__builtin_memcpy(pkt->flow.src, &ip6h->saddr, 16);
	__builtin_memcpy(pkt->flow.dst, &ip6h->daddr, 16);
	pkt->flow.family = XLB_FAMILY_V6;
	nexthdr = ip6h->nexthdr;

#pragma unroll
	for (int i = 0; i < XLB_MAX_IPV6_EXT_HEADERS; i++) {
		__u8 *ext = (__u8 *)ip6h + off;

		if (nexthdr == IPPROTO_FRAGMENT) {
			/* The protocol of the fragmented datagram follows in the
			 * fragment header (8 bytes), which we step over. */
			if ((void *)(ext + 8) > data_end)
				return PARSE_TRUNCATED;
			pkt->fragment = 1;
			nexthdr = ext[0];
			off += 8;
			break;
		}
		if (!is_skippable_ipv6_ext(nexthdr))
			break;
		if ((void *)(ext + 2) > data_end)
			return PARSE_TRUNCATED;
		nexthdr = ext[0];
		off += (ext[1] + 1) * 8;
		if ((void *)ip6h + off > data_end)
			return PARSE_TRUNCATED;
	}
	pkt->l4_proto = nexthdr;
	pkt->l3_len = off;
	return PARSE_OK;
}

/* Ports for the flow; the fixed TCP or UDP header must be complete. */
static __always_inline int parse_l4_ports(void *data, void *data_end, struct packet *pkt)
{
	__u32 off = pkt->l2_len + pkt->l3_len;

	/* Keep the offset visibly bounded for the verifier: 22 + 60 for IPv4,
	 * 22 + 40 + 4 * 2048 for IPv6. */
	if (off > 22 + 40 + XLB_MAX_IPV6_EXT_HEADERS * 2048)
		return PARSE_MALFORMED;
	if (pkt->l4_proto == IPPROTO_TCP) {
		struct tcphdr *th = data + off;

		if ((void *)(th + 1) > data_end)
			return PARSE_TRUNCATED;
		pkt->flow.sport = th->source;
		pkt->flow.dport = th->dest;
		pkt->tcp_flags = ((__u8 *)th)[13];
	} else {
		struct udphdr *uh = data + off;

		if ((void *)(uh + 1) > data_end)
			return PARSE_TRUNCATED;
		pkt->flow.sport = uh->source;
		pkt->flow.dport = uh->dest;
	}
	pkt->flow.proto = pkt->l4_proto;
	return PARSE_OK;
}

/* The IP length field must cover the headers we read and fit in the frame
 * (Ethernet padding after it is fine). Checked once the headers are known to
 * be complete, so that a cut-short frame is reported by the header it cut. */
static __always_inline int ip_length_ok(void *data, void *data_end, const struct packet *pkt)
{
	__u16 l4_min = pkt->l4_proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);

	if (pkt->ip_len < pkt->l3_len + l4_min)
		return 0;
	return data + pkt->l2_len + pkt->ip_len <= data_end;
}

#endif /* XLB_BPF_PARSE_H */
