/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the per-packet benchmark's wrapper program and its userspace driver
 * share: the frame under test and how to put it back after every iteration.
 * Bench-only; the balancer's own ABI is include/xlb/abi.h.
 */
#ifndef XLB_BENCH_ABI_H
#define XLB_BENCH_ABI_H

#include <linux/types.h>

/* Largest frame the wrapper can restore (a 1500-byte frame and then some). */
#define XLB_BENCH_FRAME_MAX 2048
/* How far the program under test may move the head (an outer IPv6 header
 * and an ICMP answer's headers fit well within this). */
#define XLB_BENCH_HEAD_MAX 256

/* xlb_bench_frame: ARRAY of one entry, written by userspace before a run. */
struct xlb_bench_frame {
	__u32 len;         /* the frame's length, what test_run was given */
	__u32 restore_len; /* bytes of `bytes` written back after every call */
	/* When vary_count > 0, before every call the 32-bit big-endian value
	 * vary_base + (iteration % vary_count) is written at vary_offset, so
	 * consecutive iterations are different flows (or VIPs). */
	__u32 vary_offset;
	__u32 vary_base;
	__u32 vary_count;
	__u32 pad;
	__u8 bytes[XLB_BENCH_FRAME_MAX];
};

/* xlb_bench_state: PERCPU_ARRAY of one entry, the wrapper's scratch space. */
struct xlb_bench_state {
	__u64 head_before; /* the packet's start before the call, as a number */
	__u64 head_after;  /* ... and after it */
	__u64 iteration;   /* position in the vary sequence */
	__u64 restore_failures;
};

#endif /* XLB_BENCH_ABI_H */
