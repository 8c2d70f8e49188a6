/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-VIP new-flow rate limit: one token bucket per VIP, refilled at `rate`
 * tokens per second up to `burst`, one token per new flow. The bucket is
 * shared by all CPUs (a per-CPU split would let RSS imbalance change the
 * limit), so it takes a spin lock, but only on new flows: established
 * packets never touch it.
 */
#ifndef XLB_BPF_RATELIMIT_H
#define XLB_BPF_RATELIMIT_H

#include "lib/l4_maps.h"

#define RATE_REFILL_CAP_NS (10ull * 1000000000ull) /* keeps elapsed x rate in 64 bits */

/* 1 when the VIP may take one more new flow now (its token is spent). */
static __always_inline int rate_limit_admits(const struct xlb_vip *vip)
{
	__u32 id = vip->vip_id;
	struct xlb_vip_limit *limit = bpf_map_lookup_elem(&xlb_viplimit_v2, &id);
	struct xlb_vip_bucket *b;
	__u64 now, elapsed, cap, tokens;
	int admit = 0;

	if (!limit || !limit->rate)
		return 1;
	b = bpf_map_lookup_elem(&xlb_vipbucket_v2, &id);
	if (!b)
		return 1;
	now = bpf_ktime_get_ns();
	cap = (__u64)limit->burst * XLB_NS_PER_TOKEN;

	bpf_spin_lock(&b->lock);
	elapsed = now - b->last_ns;
	if ((__s64)elapsed < 0)
		elapsed = 0; /* another CPU stamped a later time after we read the clock */
	if (elapsed > RATE_REFILL_CAP_NS)
		elapsed = RATE_REFILL_CAP_NS;
	tokens = b->tokens_ns + elapsed * limit->rate;
	if (tokens > cap)
		tokens = cap;
	if (tokens >= XLB_NS_PER_TOKEN) {
		tokens -= XLB_NS_PER_TOKEN;
		admit = 1;
	}
	b->tokens_ns = tokens;
	if ((__s64)(now - b->last_ns) > 0)
		b->last_ns = now;
	bpf_spin_unlock(&b->lock);
	return admit;
}

#endif /* XLB_BPF_RATELIMIT_H */
