/* SPDX-License-Identifier: Apache-2.0 */
/* What the live benchmark's programs (live.bpf.c) and xlb-bench-live share. */
#ifndef XLB_BENCH_LIVE_ABI_H
#define XLB_BENCH_LIVE_ABI_H

#include <linux/types.h>

/* Bytes of the template the generator writes at the start of every frame:
 * Ethernet + IPv4 + TCP (54) rounded up; frames are at least 64 bytes. */
#define LIVE_HEADER_LEN 56

/* The generator's frame template and its 5-tuple space. Addresses and ports
 * are host order; the template holds the first flow (index 0) and the
 * checksums that go with it. */
struct live_gen_cfg {
	__u8 header[LIVE_HEADER_LEN];
	__u32 flows;      /* flow f = frame number mod flows */
	__u32 dst_base;   /* f mod dst_count picks the VIP */
	__u32 dst_count;
	__u16 sport_base; /* then the source port */
	__u16 sport_count;
	__u32 src_base;   /* then the source address */
	__u32 src_count;
	__u16 ip_csum;    /* as in the template, network order */
	__u16 tcp_csum;   /* 0 for UDP: no checksum */
	__u32 tcp;        /* 1: patch the TCP checksum */
};

/* What the sink counted (per CPU). */
struct live_count {
	__u64 packets;
	__u64 bytes;
};

/* The floor forwarder: rewrite the MACs, redirect to out_ifindex. */
struct live_floor_cfg {
	__u32 out_ifindex;
	__u8 dmac[6];
	__u8 smac[6];
};

#endif
