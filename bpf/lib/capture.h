/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet capture of what the balancer did (abi.h, "Packet capture").
 *
 * The packet is copied as received at the start, because encapsulation and
 * the in-place answers rewrite it; whether it matches the filter (VIP,
 * backend, drop reason) is only known at the end. So, while capture is on,
 * every packet pays a copy of up to snaplen bytes into this CPU's scratch
 * record; at the end a matching, sampled packet within the CPU's budget is
 * written to the ring twice: as received, then as sent (or, dropped, with
 * no bytes and the reason). bpf_ringbuf_output never waits: a full ring
 * loses the record and counts it, the packet goes on unaffected.
 *
 * Off, the cost is capture_begin(): one array lookup (inlined by the
 * verifier) and one branch on deadline_ns == 0. The work when on lives in
 * two global functions, which the verifier checks once each instead of once
 * per path through the balancer.
 */
#ifndef XLB_BPF_CAPTURE_H
#define XLB_BPF_CAPTURE_H

#include "lib/counters.h"
#include "lib/l4_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_capture_cfg);
	__uint(max_entries, 1);
} xlb_capture_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLB_CAPTURE_RING_BYTES);
} xlb_capring_v2 SEC(".maps");

/* Each CPU's capture state: the session it last saw, the sampler's and the
 * budget's counts in it, and the record of the packet in flight. */
struct capture_cpu {
	__u32 session;
	__u32 reserved;
	__u64 matched; /* matching packets seen in the session (sampling) */
	__u64 taken;   /* packets captured in the session (budget) */
	struct xlb_capture_record rec;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct capture_cpu);
	__uint(max_entries, 1);
} xlb_capcpu_v2 SEC(".maps");

/* Copies the frame's first bytes (at most snaplen) into rec; returns how many. */
static __always_inline __u32 capture_copy(struct xdp_md *ctx, struct xlb_capture_record *rec, __u32 snaplen)
{
	__u32 len = bpf_xdp_get_buff_len(ctx);

	rec->pkt_len = len;
	if (len > snaplen)
		len = snaplen;
	if (len > XLB_CAPTURE_SNAP_MAX)
		len = XLB_CAPTURE_SNAP_MAX;
	if (len == 0 || bpf_xdp_load_bytes(ctx, 0, rec->data, len))
		len = 0;
	rec->cap_len = len;
	return len;
}

/* Writes rec (header and captured bytes) to the ring, counted either way. */
static __always_inline void capture_emit(struct xlb_capture_record *rec)
{
	__u32 len = rec->cap_len;

	if (len > XLB_CAPTURE_SNAP_MAX)
		len = XLB_CAPTURE_SNAP_MAX;
	len += XLB_CAPTURE_HEADER_BYTES;
	if (bpf_ringbuf_output(&xlb_capring_v2, rec, len, 0))
		count_node(XLB_CNT_CAPTURE_RING_FULL, len);
	else
		count_node(XLB_CNT_CAPTURE_RECORD, len);
}

/*
 * The start of a packet while capture is on: checks the lease (an expired
 * one is cleared here, so that a capture whose command died costs nothing
 * for long) and this CPU's budget, and copies the packet as received.
 * Returns 1 when the packet was copied and capture_end() should judge it.
 */
__noinline int xlb_capture_begin(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xlb_capture_cfg *cfg = bpf_map_lookup_elem(&xlb_capture_v2, &zero);
	struct capture_cpu *c = bpf_map_lookup_elem(&xlb_capcpu_v2, &zero);
	__u64 deadline, now;

	if (!cfg || !c || !ctx)
		return 0;
	deadline = cfg->deadline_ns;
	now = bpf_ktime_get_ns();
	if (!deadline)
		return 0;
	if (now > deadline) {
		/* Only if nobody renewed it meanwhile. */
		__sync_val_compare_and_swap(&cfg->deadline_ns, deadline, 0);
		return 0;
	}
	if (c->session != cfg->session) {
		c->session = cfg->session;
		c->matched = 0;
		c->taken = 0;
	}
	if (c->taken >= cfg->budget)
		return 0;
	c->rec.ts_ns = now;
	c->rec.session = cfg->session;
	c->rec.cpu = bpf_get_smp_processor_id();
	return capture_copy(ctx, &c->rec, cfg->snaplen) > 0;
}

static __always_inline int addr_equal(const __u32 *a, const struct xlb_addr *b)
{
	return a[0] == b->addr[0] && a[1] == b->addr[1] && a[2] == b->addr[2] && a[3] == b->addr[3];
}

static __always_inline int capture_matches(const struct xlb_capture_cfg *cfg, const struct xlb_flow *flow,
					   __u32 action, __u32 reason, const struct xlb_backend *be)
{
	const __u32 m = cfg->match;

	/* Not a VIP's packet and left to the kernel untouched: not ours to show. */
	if (action == XDP_PASS && !be)
		return 0;
	if (m & XLB_CAPTURE_MATCH_VIP) {
		if (flow->family != cfg->vip_family || !addr_equal(flow->dst, &cfg->vip))
			return 0;
		if (cfg->vip_port && flow->dport != cfg->vip_port)
			return 0;
		if (cfg->vip_proto && flow->proto != cfg->vip_proto)
			return 0;
	}
	if (m & XLB_CAPTURE_MATCH_BACKEND) {
		if (!be || be->family != cfg->backend_family || !addr_equal(be->addr.addr, &cfg->backend))
			return 0;
	}
	if ((m & XLB_CAPTURE_MATCH_DROPS) && action != XDP_DROP)
		return 0;
	if ((m & XLB_CAPTURE_MATCH_REASON) && (action != XDP_DROP || reason != cfg->drop_reason))
		return 0;
	return 1;
}

/*
 * The end of a packet that capture_begin() copied: `flow` is what the
 * balancer parsed, then the verdict and the backend chosen (0: none). A
 * match that the sampler keeps becomes two records.
 */
__noinline int xlb_capture_end(struct xdp_md *ctx, const struct xlb_flow *flow, __u32 action, __u32 reason,
			       __u32 backend_id)
{
	__u32 zero = 0;
	struct xlb_capture_cfg *cfg = bpf_map_lookup_elem(&xlb_capture_v2, &zero);
	struct capture_cpu *c = bpf_map_lookup_elem(&xlb_capcpu_v2, &zero);
	struct xlb_backend *be = NULL;
	struct xlb_capture_record *rec;

	if (!cfg || !c || !flow || !ctx)
		return 0;
	if (backend_id != XLB_NO_BACKEND) {
		be = bpf_map_lookup_elem(&xlb_backends_v2, &backend_id);
		if (be && !(be->flags & XLB_BACKEND_VALID))
			be = NULL;
	}
	if (!capture_matches(cfg, flow, action, reason, be))
		return 0;
	c->matched++;
	if (cfg->sample > 1 && (c->matched - 1) % cfg->sample)
		return 0;

	rec = &c->rec;
	rec->seq = c->taken++;
	rec->kind = XLB_CAPTURE_INGRESS;
	rec->action = action;
	rec->drop_reason = action == XDP_DROP ? reason : 0;
	rec->backend_id = be ? backend_id : XLB_NO_BACKEND;
	__builtin_memset(&rec->backend, 0, sizeof(rec->backend));
	rec->backend_family = XLB_FAMILY_NONE;
	if (be) {
		__builtin_memcpy(&rec->backend, &be->addr, sizeof(rec->backend));
		rec->backend_family = be->family;
	}
	capture_emit(rec);

	rec->kind = XLB_CAPTURE_OUTPUT;
	if (action == XDP_DROP) {
		rec->pkt_len = 0;
		rec->cap_len = 0;
	} else {
		capture_copy(ctx, rec, cfg->snaplen);
	}
	capture_emit(rec);
	return 1;
}

/* One branch when capture is off. */
static __always_inline int capture_begin(struct xdp_md *ctx)
{
	__u32 zero = 0;
	const struct xlb_capture_cfg *cfg = bpf_map_lookup_elem(&xlb_capture_v2, &zero);

	if (__builtin_expect(!cfg || !cfg->deadline_ns, 1))
		return 0;
	return xlb_capture_begin(ctx);
}

#endif /* XLB_BPF_CAPTURE_H */
