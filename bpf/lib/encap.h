/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPIP encapsulation toward the backend: IPv4-in-IPv4, IPv6-in-IPv6 and
 * IPv4-in-IPv6. The inner packet is left byte for byte as the client sent it;
 * the L2 header (with its VLAN tags) moves to the new front of the frame and
 * gets its MAC addresses from the next-hop step afterwards.
 */
#ifndef XLB_BPF_ENCAP_H
#define XLB_BPF_ENCAP_H

#include "lib/csum.h"
#include "lib/l4_maps.h"
#include "lib/parse.h"

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif

/* Writes the saved L2 header at the (new) start of the frame, with `proto` as
 * the innermost ethertype. Returns a pointer just past it, or NULL. */
static __always_inline void *write_l2(struct xdp_md *ctx, const struct packet *pkt, __be16 proto)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__be16 *tag = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end)
		return NULL;
	__builtin_memcpy(eth, &pkt->l2.eth, sizeof(*eth));
	if (pkt->l2.vlan_count == 0) {
		eth->h_proto = proto;
		return tag;
	}
	if ((void *)(tag + 2) > data_end)
		return NULL;
	tag[0] = pkt->l2.tags[0][0];
	tag[1] = pkt->l2.vlan_count == 1 ? proto : pkt->l2.tags[0][1];
	tag += 2;
	if (pkt->l2.vlan_count == 1)
		return tag;
	if ((void *)(tag + 2) > data_end)
		return NULL;
	tag[0] = pkt->l2.tags[1][0];
	tag[1] = proto;
	return tag + 2;
}

static __always_inline __u32 encap_src4(const struct xlb_node_cfg *cfg, __u32 hash)
{
	return cfg->encap_src4 | (bpf_htonl(hash) & cfg->encap_src4_hostmask);
}

/* Prepend an IPv4 header (protocol IPIP) in front of an IPv4 packet. */
static __always_inline int encap_ipv4(struct xdp_md *ctx, const struct packet *pkt,
				      const struct xlb_backend *be, const struct xlb_node_cfg *cfg,
				      __u32 hash)
{
	struct iphdr outer = {};
	struct iphdr *iph;
	void *data_end;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return -1;
	iph = write_l2(ctx, pkt, bpf_htons(ETH_P_IP));
	data_end = (void *)(long)ctx->data_end;
	if (!iph || (void *)(iph + 1) > data_end)
		return -1;

	outer.version = 4;
	outer.ihl = 5;
	outer.tos = pkt->tos;
	outer.tot_len = bpf_htons(pkt->ip_len + sizeof(outer));
	/* Always DF: backends decapsulate in XDP and cannot reassemble an
	 * outer fragment, and a fixed ID of 0 would make reassembly unsafe
	 * anyway. Too-big packets must fail loudly (PMTU), not fragment. */
	outer.frag_off = IPV4_DF_BE;
	outer.ttl = xlb_params.outer_ttl;
	outer.protocol = IPPROTO_IPIP;
	outer.saddr = encap_src4(cfg, hash);
	outer.daddr = be->addr.addr[0];
	outer.check = ipv4_header_csum(&outer);
	__builtin_memcpy(iph, &outer, sizeof(outer));
	return 0;
}

/* Prepend an IPv6 header in front of an IPv6 packet (next header 41) or an
 * IPv4 packet (next header 4). The flow label carries the flow hash so that
 * routers on the way spread flows too. */
static __always_inline int encap_ipv6(struct xdp_md *ctx, const struct packet *pkt,
				      const struct xlb_backend *be, const struct xlb_node_cfg *cfg,
				      __u32 hash)
{
	struct ipv6hdr outer = {};
	struct ipv6hdr *ip6h;
	void *data_end;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct ipv6hdr)))
		return -1;
	ip6h = write_l2(ctx, pkt, bpf_htons(ETH_P_IPV6));
	data_end = (void *)(long)ctx->data_end;
	if (!ip6h || (void *)(ip6h + 1) > data_end)
		return -1;

	outer.version = 6;
	outer.priority = pkt->tos >> 4;
	outer.flow_lbl[0] = ((pkt->tos & 0x0f) << 4) | ((hash >> 16) & 0x0f);
	outer.flow_lbl[1] = (hash >> 8) & 0xff;
	outer.flow_lbl[2] = hash & 0xff;
	outer.payload_len = bpf_htons(pkt->ip_len);
	outer.nexthdr = pkt->family == XLB_FAMILY_V6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	outer.hop_limit = xlb_params.outer_ttl;
	__builtin_memcpy(&outer.saddr, cfg->encap_src6, 16);
	outer.saddr.in6_u.u6_addr32[3] |= bpf_htonl(hash) & cfg->encap_src6_hostmask;
	__builtin_memcpy(&outer.daddr, be->addr.addr, 16);
	__builtin_memcpy(ip6h, &outer, sizeof(outer));
	return 0;
}

#endif /* XLB_BPF_ENCAP_H */
