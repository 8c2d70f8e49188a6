/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateless fallback under a flood of new flows. Each CPU counts the new
 * flows it sees per XLB_FLOOD_WINDOW_NS window. While a window's count is
 * above the node's stateless_above rate, the CPU stops inserting sessions:
 * entries already cached still serve their flows, new flows are balanced by
 * the ring alone, and a spoofed-source flood cannot evict the real flows.
 * The CPU inserts again after a whole window below stateless_below
 * (hysteresis, so the mode does not flap around one threshold).
 */
#ifndef XLB_BPF_FLOOD_H
#define XLB_BPF_FLOOD_H

#include "lib/counters.h"
#include "lib/l4_maps.h"

#define FLOOD_WINDOWS_PER_SEC (1000000000ull / XLB_FLOOD_WINDOW_NS)

static __always_inline void flood_enter(struct xlb_flood_state *s, __u64 now)
{
	s->stateless = 1;
	s->entered_ns = now;
	count_node(XLB_CNT_STATELESS_ENTER, 0);
}

static __always_inline void flood_leave(struct xlb_flood_state *s, __u64 now)
{
	s->stateless = 0;
	s->stateless_ns_total += now - s->entered_ns;
	count_node(XLB_CNT_STATELESS_LEAVE, 0);
}

/*
 * Called once per new flow on a VIP that uses the cache. Returns whether the
 * flow may be inserted. Per-CPU state: no locks, no atomics.
 */
static __always_inline int flood_admits_insert(const struct xlb_node_cfg *cfg, __u64 bytes)
{
	__u32 zero = 0;
	struct xlb_flood_state *s = bpf_map_lookup_elem(&xlb_flood_v2, &zero);
	__u64 now, elapsed;

	count_node(XLB_CNT_NEW_FLOW, bytes);
	if (!s || !cfg || !cfg->stateless_above)
		return 1;
	now = bpf_ktime_get_ns();
	elapsed = now - s->window_start_ns;
	if (elapsed >= XLB_FLOOD_WINDOW_NS) {
		/* The window is over: its rate decides whether to leave. A long
		 * quiet gap makes a long window and a low rate, as it should. */
		s->last_rate = s->window_new_flows * 1000000000ull / elapsed;
		if (s->stateless && s->last_rate < cfg->stateless_below)
			flood_leave(s, now);
		s->window_start_ns = now;
		s->window_new_flows = 0;
	}
	s->window_new_flows++;
	/* Enter as soon as this window alone is over the threshold, without
	 * waiting for it to end: a flood gets at most one window of inserts. */
	if (!s->stateless && s->window_new_flows * FLOOD_WINDOWS_PER_SEC > cfg->stateless_above)
		flood_enter(s, now);
	if (s->stateless)
		count_node(XLB_CNT_INSERT_SKIPPED, bytes);
	return !s->stateless;
}

#endif /* XLB_BPF_FLOOD_H */
