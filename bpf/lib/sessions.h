/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The session cache: 5-tuple -> backend, consulted before the ring so that a
 * flow keeps its backend when the backend set changes. An entry counts only
 * while its backend still holds the id with the same generation and is not
 * DOWN (a draining backend keeps its flows; a dead one cannot); a TCP SYN
 * starts a new connection and never trusts an old entry; an RST never
 * creates one; UDP entries expire after udp_idle_timeout_s without traffic.
 */
#ifndef XLB_BPF_SESSIONS_H
#define XLB_BPF_SESSIONS_H

#include "lib/counters.h"
#include "lib/l4_maps.h"
#include "lib/parse.h"

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define NS_PER_SEC 1000000000ull

static __always_inline int session_cache_on(const struct xlb_vip *vip)
{
	return xlb_params.session_cache_size && !(vip->flags & XLB_VIP_STATELESS);
}

static __always_inline int is_new_tcp_connection(const struct packet *pkt)
{
	return pkt->l4_proto == IPPROTO_TCP && (pkt->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/* The cached backend id of this flow (its entry in *be_out), or XLB_NO_BACKEND. */
static __always_inline __u32 session_lookup(const struct packet *pkt, __u64 bytes, struct xlb_backend **be_out)
{
	struct xlb_session *s;
	struct xlb_backend *be;
	__u64 now = 0;

	if (is_new_tcp_connection(pkt))
		goto miss;
	s = bpf_map_lookup_elem(&xlb_sessions_v2, &pkt->flow);
	if (!s)
		goto miss;
	be = bpf_map_lookup_elem(&xlb_backends_v2, &s->backend_id);
	if (!be || (be->flags & (XLB_BACKEND_VALID | XLB_BACKEND_DOWN)) != XLB_BACKEND_VALID ||
	    be->generation != s->generation)
		goto miss;
	if (pkt->l4_proto == IPPROTO_UDP) {
		now = bpf_ktime_get_ns();
		/* Signed: another CPU may have refreshed it after we read the clock. */
		if ((__s64)(now - s->last_seen_ns) > (__s64)((__u64)xlb_params.udp_idle_timeout_s * NS_PER_SEC))
			goto miss;
		s->last_seen_ns = now;
	}
	count_node(XLB_CNT_SESSION_HIT, bytes);
	*be_out = be;
	return s->backend_id;
miss:
	count_node(XLB_CNT_SESSION_MISS, bytes);
	return XLB_NO_BACKEND;
}

/* A reset ends a flow: nothing worth remembering. */
static __always_inline int session_worth_inserting(const struct packet *pkt)
{
	return !(pkt->l4_proto == IPPROTO_TCP && (pkt->tcp_flags & TCP_FLAG_RST));
}

/* A connection attempt, for the rate limit: a TCP SYN, or a UDP packet that
 * no session covers (on a stateless VIP, every UDP packet). */
static __always_inline int is_connection_attempt(const struct packet *pkt)
{
	return pkt->l4_proto == IPPROTO_UDP || is_new_tcp_connection(pkt);
}

static __always_inline void session_insert(const struct packet *pkt, __u32 backend_id,
					   const struct xlb_backend *be, __u64 bytes)
{
	struct xlb_session s = {
		.backend_id = backend_id,
		.generation = be->generation,
	};

	if (pkt->l4_proto == IPPROTO_UDP)
		s.last_seen_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&xlb_sessions_v2, &pkt->flow, &s, BPF_ANY) == 0)
		count_node(XLB_CNT_SESSION_INSERT, bytes);
}

#endif /* XLB_BPF_SESSIONS_H */
