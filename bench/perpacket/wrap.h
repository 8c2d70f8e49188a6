/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench wrapper, for BPF_PROG_TEST_RUN with repeat > 1. The kernel runs
 * a program on the same buffer every iteration without restoring it, so
 * after one encapsulation every later iteration would see an encapsulated
 * packet and take another path. A wrapper program does
 *
 *	if (!bench_enter(ctx, &call))
 *		return XDP_ABORTED;
 *	return bench_leave(ctx, &call, program_under_test(ctx));
 *
 * bench_enter() varies one field if asked (a new flow every iteration);
 * bench_leave() puts head and tail back where they were and rewrites the
 * first restore_len bytes from the saved frame. The floors are wrapped the
 * same way, so the wrapper's cost is measured, not guessed.
 */
#ifndef XLB_BENCH_WRAP_H
#define XLB_BENCH_WRAP_H

#include "lib/common.h"

#include "bench_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_bench_frame);
} xlb_bench_frame SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_bench_state);
} xlb_bench_state SEC(".maps");

struct bench_call {
	struct xlb_bench_frame *frame;
	struct xlb_bench_state *state;
};

#define BENCH_ONCE(x) (*(volatile __u64 *)&(x))

static __always_inline int bench_enter(struct xdp_md *ctx, struct bench_call *c)
{
	__u32 zero = 0;
	struct xlb_bench_frame *f = bpf_map_lookup_elem(&xlb_bench_frame, &zero);
	struct xlb_bench_state *st = bpf_map_lookup_elem(&xlb_bench_state, &zero);

	if (!f || !st)
		return 0;
	c->frame = f;
	c->state = st;
	if (f->vary_count) {
		__be32 v = bpf_htonl(f->vary_base + (__u32)st->iteration);

		if (++st->iteration >= f->vary_count)
			st->iteration = 0;
		if (bpf_xdp_store_bytes(ctx, f->vary_offset, &v, sizeof(v)))
			st->restore_failures++;
	}
	/* Where the head is, as a plain number in our own map (a pointer leak
	 * the verifier allows with CAP_PERFMON): packet pointers cannot be
	 * compared across a call that moves the head, numbers read back can. */
	BENCH_ONCE(st->head_before) = (__u64)(long)ctx->data;
	return 1;
}

static __always_inline int bench_leave(struct xdp_md *ctx, struct bench_call *c, int action)
{
	struct xlb_bench_frame *f = c->frame;
	struct xlb_bench_state *st = c->state;
	__s64 moved;
	__u32 len, n;

	BENCH_ONCE(st->head_after) = (__u64)(long)ctx->data;
	moved = (__s64)(BENCH_ONCE(st->head_before) - BENCH_ONCE(st->head_after)); /* > 0: the head grew */
	if (moved < -XLB_BENCH_HEAD_MAX || moved > XLB_BENCH_HEAD_MAX)
		goto fail;
	if (moved && bpf_xdp_adjust_head(ctx, (int)moved))
		goto fail;
	len = bpf_xdp_get_buff_len(ctx);
	if (len != f->len && bpf_xdp_adjust_tail(ctx, (int)f->len - (int)len))
		goto fail;
	n = f->restore_len;
	if (n < 1 || n > XLB_BENCH_FRAME_MAX)
		goto fail;
	if (bpf_xdp_store_bytes(ctx, 0, f->bytes, n))
		goto fail;
	return action;
fail:
	st->restore_failures++;
	return action;
}

/* Defines the XDP program `name` running `call` (an expression of ctx) wrapped. */
#define XLB_BENCH_WRAPPED(name, call) \
	SEC("xdp") \
	int name(struct xdp_md *ctx) \
	{ \
		struct bench_call c; \
 \
		if (!bench_enter(ctx, &c)) \
			return XDP_ABORTED; \
		return bench_leave(ctx, &c, (call)); \
	}

#endif /* XLB_BENCH_WRAP_H */
