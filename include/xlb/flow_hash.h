/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flow hash, shared word for word by the XDP program and userspace so
 * that tools and tests can predict the program's choice. A MurmurHash3-style
 * 32-bit mix over the 5-tuple words: cheap (no loops the verifier must
 * unroll beyond a fixed count), well distributed, seeded so that every L4
 * node with the same seed picks the same backend for a flow.
 */
#ifndef XLB_FLOW_HASH_H
#define XLB_FLOW_HASH_H

#include <linux/types.h>

/* The hashed tuple. IPv4 uses src[0]/dst[0] with the rest zero; for
 * source-only hashing dst, ports and proto are zero. Ports in network order. */
struct xlb_flow {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 reserved;
};

static inline __u32 xlb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 xlb_hash_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = xlb_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = xlb_rotl32(h, 13);
	return h * 5u + 0xe6546b64u;
}

static inline __u32 xlb_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline __u32 xlb_flow_hash(const struct xlb_flow *f, __u32 seed)
{
	__u32 h = seed;

	h = xlb_hash_word(h, f->src[0]);
	h = xlb_hash_word(h, f->src[1]);
	h = xlb_hash_word(h, f->src[2]);
	h = xlb_hash_word(h, f->src[3]);
	h = xlb_hash_word(h, f->dst[0]);
	h = xlb_hash_word(h, f->dst[1]);
	h = xlb_hash_word(h, f->dst[2]);
	h = xlb_hash_word(h, f->dst[3]);
	h = xlb_hash_word(h, ((__u32)f->sport << 16) | f->dport);
	h = xlb_hash_word(h, ((__u32)f->proto << 8) | f->family);
	return xlb_hash_final(h ^ 40u);
}

#endif /* XLB_FLOW_HASH_H */
