/* SPDX-License-Identifier: Apache-2.0 */
/* Small pieces shared by the answers the node builds in place (RST, ICMP). */
#ifndef XLB_BPF_REPLY_H
#define XLB_BPF_REPLY_H

#include "lib/common.h"

#define REPLY_TTL 64

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* The sum of n 16-bit words as they lie in memory (n constant). */
static __always_inline __u32 sum_words(const void *p, int n)
{
	const __u16 *w = p;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/* A 64-bit one's-complement sum folded to 16 bits (then inverted). */
static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* XLB_BPF_REPLY_H */
