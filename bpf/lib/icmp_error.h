/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMP errors about a VIP's flows. A backend answers clients directly (DSR),
 * so when a router on the way back reports Too Big or Unreachable, the error
 * is addressed to the VIP and arrives here. It quotes the packet the backend
 * sent (VIP -> client); read backwards, that is the client -> VIP flow, so
 * the error goes to the backend that owns the flow (the cache, else the same
 * ring slot), encapsulated like the flow's own packets. The backend's kernel
 * then learns the path MTU for that client.
 *
 * Only plain headers are read (outer and quoted IPv4 without options, IPv6
 * without extension headers) and the quote must hold the ports.
 */
#ifndef XLB_BPF_ICMP_ERROR_H
#define XLB_BPF_ICMP_ERROR_H

#include "lib/parse.h"

#define ICMP_DEST_UNREACH 3
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMP_ERROR_HDR_LEN 8

static __always_inline int is_icmp_error(void *data, void *data_end, const struct packet *pkt)
{
	const __u32 l2_len = pkt->l2_len;
	__u8 *type;

	if (l2_len > 22)
		return 0;
	if (pkt->family == XLB_FAMILY_V4) {
		type = data + l2_len + sizeof(struct iphdr);
		if (pkt->l3_len != sizeof(struct iphdr) || (void *)(type + 1) > data_end)
			return 0;
		return *type == ICMP_DEST_UNREACH;
	}
	type = data + l2_len + sizeof(struct ipv6hdr);
	if (pkt->l3_len != sizeof(struct ipv6hdr) || (void *)(type + 1) > data_end)
		return 0;
	return *type == ICMPV6_DEST_UNREACH || *type == ICMPV6_PKT_TOOBIG;
}

/* The quoted ports, read as the client sent them (client port first). */
static __always_inline void read_quoted_ports(const __be16 *ports, struct packet *pkt)
{
	pkt->flow.sport = ports[1];
	pkt->flow.dport = ports[0];
}

/*
 * Rewrites pkt->flow (and l4_proto) into the client -> VIP flow the error is
 * about. Returns 0, or a drop reason + 1 when the quote cannot be read.
 */
static __always_inline int icmp_error_flow(void *data, void *data_end, struct packet *pkt)
{
	const __u32 l2_len = pkt->l2_len;
	struct xlb_flow flow = {};

	if (l2_len > 22)
		return XLB_DROP_ICMP_ERROR_MALFORMED + 1;
	if (pkt->family == XLB_FAMILY_V4) {
		struct iphdr *inner = data + l2_len + sizeof(struct iphdr) + ICMP_ERROR_HDR_LEN;
		__be16 *ports = (void *)(inner + 1);

		if ((void *)(ports + 2) > data_end || inner->version != 4 || inner->ihl != 5)
			return XLB_DROP_ICMP_ERROR_MALFORMED + 1;
		if (inner->protocol != IPPROTO_TCP && inner->protocol != IPPROTO_UDP)
			return XLB_DROP_ICMP_ERROR_MALFORMED + 1;
		flow.src[0] = inner->daddr;
		flow.dst[0] = inner->saddr;
		flow.proto = inner->protocol;
		pkt->flow = flow;
		read_quoted_ports(ports, pkt);
	} else {
		struct ipv6hdr *inner = data + l2_len + sizeof(struct ipv6hdr) + ICMP_ERROR_HDR_LEN;
		__be16 *ports = (void *)(inner + 1);

		if ((void *)(ports + 2) > data_end || inner->version != 6)
			return XLB_DROP_ICMP_ERROR_MALFORMED + 1;
		if (inner->nexthdr != IPPROTO_TCP && inner->nexthdr != IPPROTO_UDP)
			return XLB_DROP_ICMP_ERROR_MALFORMED + 1;
		__builtin_memcpy(flow.src, &inner->daddr, sizeof(flow.src));
		__builtin_memcpy(flow.dst, &inner->saddr, sizeof(flow.dst));
		flow.proto = inner->nexthdr;
		pkt->flow = flow;
		read_quoted_ports(ports, pkt);
	}
	pkt->flow.family = pkt->family;
	pkt->l4_proto = pkt->flow.proto;
	pkt->tcp_flags = 0;
	return 0;
}

#endif /* XLB_BPF_ICMP_ERROR_H */
