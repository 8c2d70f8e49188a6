/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MSS clamping on the backend, at tc egress. The client's segments reach the
 * backend through an L4 node that adds an outer header, so a client that
 * believed the backend's MSS (sized for the backend's own link) would send
 * packets that no longer fit the tunnel. Lowering the MSS the backend
 * advertises in its SYN-ACK makes the client send segments that fit from the
 * first one, with no ICMP round trip. Only SYN-ACKs whose source is a VIP
 * this backend serves are touched; nothing is ever dropped here.
 *
 * The packet is read with bpf_skb_load_bytes rather than direct access: at
 * egress the headers may sit outside the linear part of the skb.
 */
#ifndef XLB_BPF_MSS_CLAMP_H
#define XLB_BPF_MSS_CLAMP_H

#include "lib/common.h"

#define TCP_FLAGS_OFFSET 13
#define TCP_CHECK_OFFSET 16
#define TCP_FLAG_SYN_BIT 0x02
#define TCP_FLAG_ACK_BIT 0x10
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_MSS_LEN 4
#define TCP_MAX_OPTIONS 40

enum mss_verdict {
	MSS_NOT_OURS = -1, /* not a SYN-ACK from a served VIP: not counted */
	MSS_CLAMPED = XLB_MSS_CLAMPED,
	MSS_FITS = XLB_MSS_FITS,
	MSS_UNPARSED = XLB_MSS_UNPARSED,
};

struct syn_ack {
	__u32 tcp_off;   /* offset of the TCP header in the skb */
	__u16 limit;     /* the largest MSS this SYN-ACK may advertise */
};

/* Walks the IP header at l3_off: fills `sa` and returns 0 for a TCP SYN-ACK
 * whose source is a served VIP with a clamp configured for its family. */
static __always_inline int mss_find_syn_ack(struct __sk_buff *skb, __u32 l3_off, __be16 proto,
					    const struct xlb_mss_clamp *clamp, void *vips,
					    struct syn_ack *sa)
{
	struct xlb_vip_addr_key key = {};
	__u8 flags;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr iph;

		if (!clamp->mss4 || bpf_skb_load_bytes(skb, l3_off, &iph, sizeof(iph)))
			return -1;
		if (iph.version != 4 || iph.ihl < 5 || iph.protocol != IPPROTO_TCP ||
		    (iph.frag_off & IPV4_FRAG_MASK_BE))
			return -1;
		key.family = XLB_FAMILY_V4;
		key.addr.addr[0] = iph.saddr;
		sa->tcp_off = l3_off + iph.ihl * 4;
		sa->limit = clamp->mss4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6h;

		if (!clamp->mss6 || bpf_skb_load_bytes(skb, l3_off, &ip6h, sizeof(ip6h)))
			return -1;
		/* Our own SYN-ACKs carry no extension headers; anything else is
		 * not a SYN-ACK we could have sent from a VIP socket. */
		if (ip6h.version != 6 || ip6h.nexthdr != IPPROTO_TCP)
			return -1;
		key.family = XLB_FAMILY_V6;
		__builtin_memcpy(key.addr.addr, &ip6h.saddr, 16);
		sa->tcp_off = l3_off + sizeof(ip6h);
		sa->limit = clamp->mss6;
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, sa->tcp_off + TCP_FLAGS_OFFSET, &flags, 1))
		return -1;
	if ((flags & (TCP_FLAG_SYN_BIT | TCP_FLAG_ACK_BIT)) != (TCP_FLAG_SYN_BIT | TCP_FLAG_ACK_BIT))
		return -1;
	return bpf_map_lookup_elem(vips, &key) ? 0 : -1;
}

/*
 * Finds the MSS option of the SYN-ACK and lowers it to sa->limit, fixing the
 * TCP checksum (bpf_l4_csum_replace also does the right thing when the
 * checksum is left to the NIC).
 */
static __always_inline enum mss_verdict mss_clamp_options(struct __sk_buff *skb, const struct syn_ack *sa)
{
	__u8 opts[TCP_MAX_OPTIONS] = {};
	__u8 doff_byte;
	__u32 opt_len, i = 0;

	if (bpf_skb_load_bytes(skb, sa->tcp_off + 12, &doff_byte, 1))
		return MSS_UNPARSED;
	opt_len = (doff_byte >> 4) * 4;
	if (opt_len < sizeof(struct tcphdr))
		return MSS_UNPARSED;
	opt_len -= sizeof(struct tcphdr);
	if (opt_len == 0)
		return MSS_FITS; /* no MSS option: the client assumes 536 (IPv4) or 1220 (IPv6) */
	if (opt_len > TCP_MAX_OPTIONS ||
	    bpf_skb_load_bytes(skb, sa->tcp_off + sizeof(struct tcphdr), opts, opt_len))
		return MSS_UNPARSED;

	/* Each step consumes at least one byte, so 40 steps cover any options. */
	for (int step = 0; step < TCP_MAX_OPTIONS; step++) {
		__u8 kind, len;

		if (i >= opt_len || i >= TCP_MAX_OPTIONS)
			return MSS_FITS;
		kind = opts[i];
		if (kind == TCP_OPT_EOL)
			return MSS_FITS;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= opt_len || i + 1 >= TCP_MAX_OPTIONS)
			return MSS_UNPARSED;
		len = opts[i + 1];
		if (len < 2 || i + len > opt_len)
			return MSS_UNPARSED;
		if (kind == TCP_OPT_MSS) {
			__be16 old_mss, new_mss;

			if (len != TCP_OPT_MSS_LEN || i + 3 >= TCP_MAX_OPTIONS)
				return MSS_UNPARSED;
			__builtin_memcpy(&old_mss, &opts[i + 2], sizeof(old_mss));
			if (bpf_ntohs(old_mss) <= sa->limit)
				return MSS_FITS;
			new_mss = bpf_htons(sa->limit);
			if (bpf_skb_store_bytes(skb, sa->tcp_off + sizeof(struct tcphdr) + i + 2, &new_mss, 2, 0))
				return MSS_UNPARSED;
			if (bpf_l4_csum_replace(skb, sa->tcp_off + TCP_CHECK_OFFSET, old_mss, new_mss, 2))
				return MSS_UNPARSED;
			return MSS_CLAMPED;
		}
		i += len;
	}
	return MSS_FITS;
}

#endif /* XLB_BPF_MSS_CLAMP_H */
