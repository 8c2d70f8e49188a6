/* SPDX-License-Identifier: Apache-2.0 */
/* VIP lookup and backend choice: the Maglev ring, indexed by the flow hash. */
#ifndef XLB_BPF_LB_H
#define XLB_BPF_LB_H

#include "lib/l4_maps.h"
#include "lib/parse.h"

/* False when the destination is surely no VIP (its filter bit is clear). */
static __always_inline int vip_filter_may_match(const struct packet *pkt)
{
	__u32 bit = xlb_vip_filter_bit(pkt->flow.dst);
	__u32 word = bit / 64;
	__u64 *w = bpf_map_lookup_elem(&xlb_vipfilter_v2, &word);

	return w && ((*w >> (bit % 64)) & 1);
}

static __always_inline int vip_address_known(const struct packet *pkt)
{
	struct xlb_vip_addr_key key = {};

	__builtin_memcpy(key.addr.addr, pkt->flow.dst, sizeof(key.addr.addr));
	key.family = pkt->family;
	return bpf_map_lookup_elem(&xlb_vip_addrs_v2, &key) != NULL;
}

/* The service on (address, `port`, protocol); port 0 is the all-ports one. */
static __always_inline struct xlb_vip *vip_lookup_port(const struct packet *pkt, __u16 port)
{
	struct xlb_vip_key key = {};

	__builtin_memcpy(key.addr.addr, pkt->flow.dst, sizeof(key.addr.addr));
	key.port = port;
	key.proto = pkt->l4_proto;
	key.family = pkt->family;
	return bpf_map_lookup_elem(&xlb_vips_v2, &key);
}

/* The service on (address, port, protocol), else the all-ports service. */
static __always_inline struct xlb_vip *vip_lookup(const struct packet *pkt)
{
	struct xlb_vip *vip = vip_lookup_port(pkt, pkt->flow.dport);

	return vip ? vip : vip_lookup_port(pkt, 0);
}

/* Whether the VIP serves this packet's source: always, unless it has an
 * allow-list and the source is in none of its prefixes. */
static __always_inline int acl_admits(const struct packet *pkt, const struct xlb_vip *vip)
{
	struct xlb_acl_key key = {.prefixlen = 32 + 128};

	if (!(vip->flags & XLB_VIP_ACL))
		return 1;
	key.vip_id = bpf_htonl(vip->vip_id);
	__builtin_memcpy(key.addr, pkt->flow.src, sizeof(key.addr));
	return bpf_map_lookup_elem(&xlb_vipacl_v2, &key) != NULL;
}

static __always_inline __u32 flow_hash(const struct packet *pkt, const struct xlb_vip *vip)
{
	struct xlb_flow f = {};

	if (vip->flags & XLB_VIP_HASH_ADDRESSES) {
		__builtin_memcpy(f.src, pkt->flow.src, sizeof(f.src));
		__builtin_memcpy(f.dst, pkt->flow.dst, sizeof(f.dst));
		f.family = pkt->flow.family;
		return xlb_flow_hash(&f, xlb_params.hash_seed);
	}
	if (vip->flags & XLB_VIP_HASH_SRC_ONLY) {
		__builtin_memcpy(f.src, pkt->flow.src, sizeof(f.src));
		f.family = pkt->flow.family;
		return xlb_flow_hash(&f, xlb_params.hash_seed);
	}
	return xlb_flow_hash(&pkt->flow, xlb_params.hash_seed);
}

/* Backend id from the VIP's live ring; XLB_NO_BACKEND when the ring is empty. */
static __always_inline __u32 ring_pick(const struct xlb_vip *vip, __u32 hash)
{
	__u32 idx = vip->ring_id * xlb_params.ring_size + hash % xlb_params.ring_size;
	__u32 *backend_id = bpf_map_lookup_elem(&xlb_rings_v2, &idx);

	return backend_id ? *backend_id : XLB_NO_BACKEND;
}

#endif /* XLB_BPF_LB_H */
