/* SPDX-License-Identifier: Apache-2.0 */
/* Per-CPU counter updates: no atomics needed, userspace sums the CPUs. */
#ifndef XLB_BPF_COUNTERS_H
#define XLB_BPF_COUNTERS_H

#include "lib/l4_maps.h"

static __always_inline void counter_add(void *map, __u32 id, __u64 bytes)
{
	struct xlb_counter *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void count_node(__u32 id, __u64 bytes)
{
	counter_add(&xlb_counters_v2, id, bytes);
}

static __always_inline void count_drop_reason(enum xlb_drop_reason reason, __u64 bytes)
{
	count_node(XLB_CNT_DROP_REASON_BASE + reason, bytes);
}

#endif /* XLB_BPF_COUNTERS_H */
