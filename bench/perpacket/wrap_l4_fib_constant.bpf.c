/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A variant build for the report's stage costs: the wrapped balancer (see
 * wrap_l4.bpf.c) with bpf_fib_lookup answered by a constant, as a next hop
 * cached per backend and refreshed from userspace would be. Its cost against
 * the production build is what the FIB lookup costs on the path. The answer
 * is the one the lab's FIB gives: the router's MAC, out of the ingress.
 */
#include "lib/common.h"

static __always_inline long bench_fib_constant(struct xdp_md *ctx, struct bpf_fib_lookup *fib, int len, __u32 flags)
{
	/* fib->ifindex is already the ingress interface: XDP_TX. */
	fib->dmac[0] = 0x02, fib->dmac[1] = 0, fib->dmac[2] = 0, fib->dmac[3] = 0, fib->dmac[4] = 0, fib->dmac[5] = 0x99;
	fib->smac[0] = 0x02, fib->smac[1] = 0, fib->smac[2] = 0, fib->smac[3] = 0, fib->smac[4] = 0, fib->smac[5] = 0x4c;
	return BPF_FIB_LKUP_RET_SUCCESS;
}
/* Function-like: `struct bpf_fib_lookup` keeps its name. */
#define bpf_fib_lookup(ctx, fib, len, flags) bench_fib_constant(ctx, fib, len, flags)

#include "wrap_l4.bpf.c"
