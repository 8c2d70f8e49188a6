/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xlb backend decapsulation, attached at XDP on a backend's interface.
 * The kernel here may have no ipip/ip6_tunnel module, so this program is how
 * a backend receives balanced traffic: it strips the outer IPv4 or IPv6
 * header of packets whose inner destination is a VIP this backend serves and
 * hands the inner packet to the stack, which answers from the VIP (on lo)
 * straight to the client. Everything else passes untouched.
 *
 * A second program, xlb_mss_clamp, runs at tc egress on the same interface
 * when MSS clamping is configured (lib/mss_clamp.h).
 */
#include <linux/pkt_cls.h>

#include "lib/common.h"
#include "lib/csum.h"
#include "lib/mss_clamp.h"
#include "lib/parse.h"

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif

char LICENSE[] SEC("license") = "GPL";

/* The VIPs this backend serves: key xlb_vip_addr_key, value unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_vip_addr_key);
	__type(value, __u32);
	__uint(max_entries, 1024);
} xlb_dvips_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_counter);
	__uint(max_entries, XLB_DCNT_COUNT);
} xlb_dcounters_v2 SEC(".maps");

/* Allowed outer sources (see abi.h); consulted when check_outer_source is set. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct xlb_lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 256);
} xlb_dsrc_v2 SEC(".maps");

/* MSS clamping settings (one entry) and its counters; see abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_mss_clamp);
	__uint(max_entries, 1);
} xlb_dmss_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_counter);
	__uint(max_entries, XLB_MSS_COUNT);
} xlb_dmsscnt_v2 SEC(".maps");

/* Load-time: set when the operator named the L4 nodes' encap prefixes. */
const volatile __u8 check_outer_source = 0;

static __always_inline int outer_source_allowed(const void *outer, void *data_end, __u8 outer_family)
{
	struct xlb_lpm_key key = {.family = outer_family};

	if (!check_outer_source)
		return 1;
	if (outer_family == XLB_FAMILY_V4) {
		const struct iphdr *iph = outer;

		if ((void *)(iph + 1) > data_end)
			return 0;
		key.prefixlen = 32 + 32;
		key.addr[0] = iph->saddr;
	} else {
		const struct ipv6hdr *ip6h = outer;

		if ((void *)(ip6h + 1) > data_end)
			return 0;
		key.prefixlen = 32 + 128;
		__builtin_memcpy(key.addr, &ip6h->saddr, 16);
	}
	return bpf_map_lookup_elem(&xlb_dsrc_v2, &key) != NULL;
}

static __always_inline void count(__u32 id, __u64 bytes)
{
	struct xlb_counter *c = bpf_map_lookup_elem(&xlb_dcounters_v2, &id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* Is the inner packet at `inner` addressed to a VIP we serve? */
static __always_inline int inner_is_served_vip(void *inner, void *data_end, __u8 inner_family)
{
	struct xlb_vip_addr_key key = {.family = inner_family};

	if (inner_family == XLB_FAMILY_V4) {
		struct iphdr *iph = inner;

		if ((void *)(iph + 1) > data_end)
			return -1;
		key.addr.addr[0] = iph->daddr;
	} else {
		struct ipv6hdr *ip6h = inner;

		if ((void *)(ip6h + 1) > data_end)
			return -1;
		__builtin_memcpy(key.addr.addr, &ip6h->daddr, 16);
	}
	return bpf_map_lookup_elem(&xlb_dvips_v2, &key) != NULL;
}

#define ECN_MASK 0x3
#define ECN_CE 0x3

/*
 * RFC 6040: a congestion mark a router set on the outer header must reach
 * the inner one, or the client never slows down. An inner packet that is not
 * ECN-capable cannot carry the mark and is dropped, as the RFC asks.
 * Returns 0 when the packet may go on, -1 to drop it.
 */
static __always_inline int propagate_ce(void *inner, void *data_end, __u8 inner_family)
{
	if (inner_family == XLB_FAMILY_V4) {
		struct iphdr *iph = inner;
		__u16 old_word, new_word;

		if ((void *)(iph + 1) > data_end)
			return -1;
		if ((iph->tos & ECN_MASK) == 0)
			return -1;
		old_word = *(__u16 *)iph;
		iph->tos |= ECN_CE;
		new_word = *(__u16 *)iph;
		iph->check = csum_replace16(iph->check, old_word, new_word);
		return 0;
	}
	struct ipv6hdr *ip6h = inner;

	if ((void *)(ip6h + 1) > data_end)
		return -1;
	if (((ip6h->flow_lbl[0] >> 4) & ECN_MASK) == 0)
		return -1;
	ip6h->flow_lbl[0] |= ECN_CE << 4;
	return 0;
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct l2_header l2 = {};
	__u16 l2_len = 0;
	__u16 outer_len;
	__u8 inner_family;
	__be16 inner_proto;
	__u32 decap_counter;
	__u8 outer_ecn, outer_family;
	void *l3;
	int served;

	if (parse_l2(data, data_end, &l2, &l2_len) != PARSE_OK)
		goto pass;
	l3 = data + l2_len;
	if (l2_inner_proto(&l2) == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > data_end)
			goto pass;
		if (iph->protocol != IPPROTO_IPIP || iph->ihl < 5 ||
		    (iph->frag_off & IPV4_FRAG_MASK_BE))
			goto pass;
		outer_len = iph->ihl * 4;
		outer_ecn = iph->tos & ECN_MASK;
		outer_family = XLB_FAMILY_V4;
		inner_family = XLB_FAMILY_V4;
		decap_counter = XLB_DCNT_DECAP_V4;
	} else {
		struct ipv6hdr *ip6h = l3;

		if ((void *)(ip6h + 1) > data_end)
			goto pass;
		if (ip6h->nexthdr == IPPROTO_IPV6)
			inner_family = XLB_FAMILY_V6;
		else if (ip6h->nexthdr == IPPROTO_IPIP)
			inner_family = XLB_FAMILY_V4;
		else
			goto pass;
		outer_len = sizeof(*ip6h);
		outer_ecn = (ip6h->flow_lbl[0] >> 4) & ECN_MASK;
		outer_family = XLB_FAMILY_V6;
		decap_counter = XLB_DCNT_DECAP_V6;
	}
	if (outer_len > 60)
		goto pass;

	served = inner_is_served_vip(l3 + outer_len, data_end, inner_family);
	if (served < 0) {
		count(XLB_DCNT_DROP_MALFORMED, bytes);
		return XDP_DROP;
	}
	if (!served)
		goto pass;
	if (!outer_source_allowed(l3, data_end, outer_family)) {
		count(XLB_DCNT_DROP_SOURCE, bytes);
		return XDP_DROP;
	}
	if (outer_ecn == ECN_CE) {
		if (propagate_ce(l3 + outer_len, data_end, inner_family)) {
			count(XLB_DCNT_DROP_CE_NOT_ECT, bytes);
			return XDP_DROP;
		}
		count(XLB_DCNT_CE_MARKED, bytes);
	}

	/* Move the L2 header forward over the outer IP header. */
	inner_proto = inner_family == XLB_FAMILY_V4 ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
	if (bpf_xdp_adjust_head(ctx, outer_len)) {
		count(XLB_DCNT_DROP_ADJUST, bytes);
		return XDP_DROP;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	{
		struct ethhdr *eth = data;
		__be16 *tag = (void *)(eth + 1);

		if ((void *)(eth + 1) > data_end)
			goto adjust_failed;
		__builtin_memcpy(eth, &l2.eth, sizeof(*eth));
		if (l2.vlan_count == 0) {
			eth->h_proto = inner_proto;
		} else {
			if ((void *)(tag + 4) > data_end)
				goto adjust_failed;
			tag[0] = l2.tags[0][0];
			tag[1] = l2.vlan_count == 1 ? inner_proto : l2.tags[0][1];
			if (l2.vlan_count == 2) {
				tag[2] = l2.tags[1][0];
				tag[3] = inner_proto;
			}
		}
	}
	count(decap_counter, bytes);
	return XDP_PASS;

adjust_failed:
	count(XLB_DCNT_DROP_ADJUST, bytes);
	return XDP_DROP;
pass:
	count(XLB_DCNT_PASS, bytes);
	return XDP_PASS;
}

/* The L3 offset and protocol of a frame at tc: Ethernet, then up to two VLAN
 * tags (a tag the kernel keeps beside the packet is not in the data). */
static __always_inline int egress_l3(struct __sk_buff *skb, __u32 *l3_off, __be16 *proto)
{
	__be16 type;
	__u32 off = 12;

#pragma unroll
	for (int tag = 0; tag <= XLB_MAX_VLAN_TAGS; tag++) {
		if (bpf_skb_load_bytes(skb, off, &type, sizeof(type)))
			return -1;
		off += 2;
		if (type != ETH_P_8021Q_BE && type != ETH_P_8021AD_BE) {
			*l3_off = off;
			*proto = type;
			return 0;
		}
		off += 2; /* the TCI; the next ethertype follows */
	}
	return -1;
}

SEC("tc")
int xlb_mss_clamp(struct __sk_buff *skb)
{
	const __u32 zero = 0;
	const struct xlb_mss_clamp *clamp = bpf_map_lookup_elem(&xlb_dmss_v2, &zero);
	struct syn_ack sa = {};
	__u32 l3_off;
	__be16 proto;
	struct xlb_counter *c;
	__u32 verdict;

	if (!clamp || (!clamp->mss4 && !clamp->mss6))
		return TC_ACT_OK;
	if (egress_l3(skb, &l3_off, &proto))
		return TC_ACT_OK;
	if (mss_find_syn_ack(skb, l3_off, proto, clamp, &xlb_dvips_v2, &sa))
		return TC_ACT_OK;
	verdict = mss_clamp_options(skb, &sa);
	c = bpf_map_lookup_elem(&xlb_dmsscnt_v2, &verdict);
	if (c) {
		c->packets++;
		c->bytes += skb->len;
	}
	return TC_ACT_OK;
}
