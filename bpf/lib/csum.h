/* SPDX-License-Identifier: Apache-2.0 */
/* Internet checksum of a freshly written IPv4 header (no options). */
#ifndef XLB_BPF_CSUM_H
#define XLB_BPF_CSUM_H

#include "lib/common.h"

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __always_inline __u16 ipv4_header_csum(const struct iphdr *iph)
{
	const __u16 *words = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += words[i];
	return csum_fold(sum);
}

/* RFC 1624: the checksum after one 16-bit word of the header changed. */
static __always_inline __u16 csum_replace16(__u16 check, __u16 old_word, __u16 new_word)
{
	__u32 sum = (__u16)~check + (__u16)~old_word + new_word;

	return csum_fold(sum);
}

#endif /* XLB_BPF_CSUM_H */
