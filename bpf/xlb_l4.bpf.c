/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xlb L4 balancer, attached at XDP on the node's ingress interface.
 *
 * The life of a packet, top to bottom:
 *   parse L2 (VLAN tags) -> parse L3 (IPv4 options, IPv6 extensions)
 *   -> is the destination a VIP address? no: XDP_PASS, untouched
 *   -> can we balance it (fragment, protocol, L4 header)? no: XDP_DROP + reason
 *   -> VIP service lookup (port, then all-ports) -> session cache, else
 *      flow hash -> Maglev ring
 *   -> IPIP encapsulation toward the backend -> next hop (FIB or gateway)
 *   -> XDP_TX / XDP_REDIRECT.
 * Every packet is counted exactly once, by verdict, in xlb_l4() below, and,
 * while a capture is on, recorded as received and as sent (lib/capture.h).
 */
#include "lib/capture.h"
#include "lib/common.h"
#include "lib/counters.h"
#include "lib/echo.h"
#include "lib/encap.h"
#include "lib/flood.h"
#include "lib/icmp_error.h"
#include "lib/l4_maps.h"
#include "lib/lb.h"
#include "lib/nexthop.h"
#include "lib/parse.h"
#include "lib/ratelimit.h"
#include "lib/reject.h"
#include "lib/sessions.h"
#include "lib/too_big.h"

char LICENSE[] SEC("license") = "GPL";

struct verdict {
	int action;
	enum xlb_drop_reason reason; /* meaningful when action == XDP_DROP */
	__u32 backend_id;            /* the backend chosen, if any: what capture shows */
};

static __always_inline struct verdict pass(void)
{
	return (struct verdict){.action = XDP_PASS};
}

static __always_inline struct verdict drop(enum xlb_drop_reason reason)
{
	return (struct verdict){.action = XDP_DROP, .reason = reason};
}

static __always_inline struct xlb_node_cfg *node_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xlb_node_cfg_v2, &zero);
}

/* Per-VIP statistics: one lookup per packet, fields bumped as it goes. */
#define VIP_STAT(vs, field) \
	do { \
		if (vs) \
			(vs)->field++; \
	} while (0)

/* Whether the VIP refuses the packet's source (its allow-list, XLB_VIP_ACL),
 * counted on the VIP as well; `vs` may be NULL, then it is looked up only
 * for a refusal. The caller drops with XLB_DROP_ACL_DENIED. */
static __always_inline int acl_refuses(const struct packet *pkt, const struct xlb_vip *vip, struct xlb_vip_stats *vs)
{
	if (acl_admits(pkt, vip))
		return 0;
	if (!vs)
		vs = bpf_map_lookup_elem(&xlb_vipstat_v2, &vip->vip_id);
	VIP_STAT(vs, acl_denied);
	return 1;
}

/* Nobody can take the flow: a new TCP connection is refused with a RST at
 * once; anything else is dropped. Both counted. */
static __always_inline struct verdict no_backend(struct xdp_md *ctx, struct packet *pkt, __u64 bytes)
{
	if (is_new_tcp_connection(pkt) && reject_tcp_syn(ctx, pkt, bytes) == XDP_TX) {
		count_node(XLB_CNT_RESET_NO_BACKEND, bytes);
		return (struct verdict){.action = XDP_TX};
	}
	return drop(XLB_DROP_NO_BACKEND);
}

/* Encapsulate toward the chosen backend and send; count it. */
static __always_inline struct verdict encap_and_send(struct xdp_md *ctx, struct packet *pkt,
						      const struct xlb_node_cfg *cfg, struct xlb_backend *be,
						      __u32 backend_id, __u32 hash, struct xlb_vip_stats *vs,
						      int new_flow, __u64 bytes)
{
	struct xlb_backend_stats *bs;
	struct nexthop_result nh;
	int err;

	if (!cfg)
		return drop(XLB_DROP_NO_ENCAP_SOURCE);
	err = be->family == XLB_FAMILY_V4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	if (cfg->backend_mtu && pkt->ip_len + err > cfg->backend_mtu) {
		err = answer_too_big(ctx, pkt, cfg, err, bytes);
		if (err != XDP_TX)
			return drop(-err - 1);
		count_node(XLB_CNT_ICMP_TOO_BIG, bytes);
		return (struct verdict){.action = XDP_TX};
	}

	if (be->family == XLB_FAMILY_V4) {
		if (pkt->family != XLB_FAMILY_V4)
			return drop(XLB_DROP_UNSUPPORTED_ENCAP);
		if (!(cfg->flags & XLB_NODE_HAS_SRC4))
			return drop(XLB_DROP_NO_ENCAP_SOURCE);
		err = encap_ipv4(ctx, pkt, be, cfg, hash);
	} else {
		if (!(cfg->flags & XLB_NODE_HAS_SRC6))
			return drop(XLB_DROP_NO_ENCAP_SOURCE);
		err = encap_ipv6(ctx, pkt, be, cfg, hash);
	}
	if (err)
		return drop(XLB_DROP_ENCAP_FAILED);

	nh = nexthop_resolve(ctx, pkt, backend_id, be, cfg, bytes);
	if (nh.action == XDP_TX || nh.action == XDP_REDIRECT || nh.action == XDP_PASS) {
		if (vs) {
			vs->packets++;
			vs->bytes += bytes;
		}
		bs = bpf_map_lookup_elem(&xlb_bestat_v2, &backend_id);
		if (bs) {
			bs->packets++;
			bs->bytes += bytes;
			bs->new_flows += new_flow;
		}
		return (struct verdict){.action = nh.action};
	}
	return drop(nh.action == XDP_DROP ? nh.reason : XLB_DROP_NO_TX_PORT);
}

/* encap_and_send(), with the backend named in the verdict whatever became of
 * the packet. Shared by the flows' own packets and the ICMP errors about them. */
static __always_inline struct verdict send_to_backend(struct xdp_md *ctx, struct packet *pkt,
						      const struct xlb_node_cfg *cfg, struct xlb_backend *be,
						      __u32 backend_id, __u32 hash, struct xlb_vip_stats *vs,
						      int new_flow, __u64 bytes)
{
	struct verdict v = encap_and_send(ctx, pkt, cfg, be, backend_id, hash, vs, new_flow, bytes);

	v.backend_id = backend_id;
	return v;
}

static __always_inline struct verdict forward(struct xdp_md *ctx, struct packet *pkt,
					      const struct xlb_vip *vip, __u64 bytes)
{
	struct xlb_vip_stats *vs = bpf_map_lookup_elem(&xlb_vipstat_v2, &vip->vip_id);
	const int cached = session_cache_on(vip);
	struct xlb_backend *be = NULL;
	struct xlb_node_cfg *cfg;
	__u32 backend_id, hash;
	int new_flow = 0;

	/* Before anything else: a refused source leaves no trace but its count. */
	if (acl_refuses(pkt, vip, vs))
		return drop(XLB_DROP_ACL_DENIED);
	hash = flow_hash(pkt, vip);
	backend_id = cached ? session_lookup(pkt, bytes, &be) : XLB_NO_BACKEND;
	cfg = node_cfg();
	if (cached) {
		if (be)
			VIP_STAT(vs, session_hits);
		else
			VIP_STAT(vs, session_misses);
	}
	if (!be) {
		/* Not from the cache: a new flow (or one we forgot). The ring
		 * decides, the VIP's rate limit admits, the cache remembers. */
		backend_id = ring_pick(vip, hash);
		if (backend_id == XLB_NO_BACKEND) {
			VIP_STAT(vs, no_backend);
			return no_backend(ctx, pkt, bytes);
		}
		be = bpf_map_lookup_elem(&xlb_backends_v2, &backend_id);
		if (!be || !(be->flags & XLB_BACKEND_VALID))
			return drop(XLB_DROP_BAD_BACKEND);
		new_flow = is_connection_attempt(pkt);
		if (new_flow && !rate_limit_admits(vip)) {
			VIP_STAT(vs, rate_limited);
			return drop(XLB_DROP_RATE_LIMITED);
		}
		if (new_flow)
			VIP_STAT(vs, new_flows);
		if (cached && session_worth_inserting(pkt) && flood_admits_insert(cfg, bytes))
			session_insert(pkt, backend_id, be, bytes);
	}
	return send_to_backend(ctx, pkt, cfg, be, backend_id, hash, vs, new_flow, bytes);
}

/* An ICMP error about one of a VIP's flows goes to the backend that owns the
 * flow: the cached one, else the ring's choice for it. Never a new flow: no
 * rate limit, no session entry. */
static __always_inline struct verdict forward_icmp_error(struct xdp_md *ctx, struct packet *pkt, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_backend *be = NULL;
	struct xlb_vip *vip;
	__u32 backend_id, hash;
	int rc;

	/* The error is forwarded whole: its length must be true. */
	if (pkt->ip_len < pkt->l3_len + ICMP_ERROR_HDR_LEN || data + pkt->l2_len + pkt->ip_len > data_end)
		return drop(XLB_DROP_ICMP_ERROR_MALFORMED);
	rc = icmp_error_flow(data, data_end, pkt);
	if (rc)
		return drop(rc - 1);
	vip = vip_lookup(pkt);
	if (!vip)
		return drop(XLB_DROP_ICMP_ERROR_UNKNOWN_FLOW);
	/* The quoted flow's client must be one the VIP serves: an error about a
	 * flow that could not exist is forged, whoever the router sending it. */
	if (acl_refuses(pkt, vip, NULL))
		return drop(XLB_DROP_ACL_DENIED);
	hash = flow_hash(pkt, vip);
	backend_id = session_cache_on(vip) ? session_lookup(pkt, bytes, &be) : XLB_NO_BACKEND;
	if (!be) {
		backend_id = ring_pick(vip, hash);
		be = bpf_map_lookup_elem(&xlb_backends_v2, &backend_id);
		if (!be || !(be->flags & XLB_BACKEND_VALID))
			return drop(XLB_DROP_ICMP_ERROR_UNKNOWN_FLOW);
	}
	count_node(XLB_CNT_ICMP_ERROR_FORWARDED, bytes);
	return send_to_backend(ctx, pkt, node_cfg(), be, backend_id, hash, NULL, 0, bytes);
}

/* A fragment has ports only in the first piece, so only a VIP that hashes on
 * the addresses alone (and serves every port) can keep a datagram's pieces
 * together; to any other, fragments are dropped and counted. No session
 * cache: the address hash already sends every piece to one backend. */
static __always_inline struct verdict forward_fragment(struct xdp_md *ctx, struct packet *pkt, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_vip_stats *vs;
	struct xlb_backend *be;
	struct xlb_vip *vip;
	__u32 backend_id, hash;

	pkt->flow.sport = 0;
	pkt->flow.dport = 0;
	pkt->flow.proto = pkt->l4_proto;
	vip = vip_lookup(pkt); /* port 0: the all-ports service */
	if (!vip || !(vip->flags & XLB_VIP_HASH_ADDRESSES))
		return drop(XLB_DROP_FRAGMENT);
	/* Forwarded whole: its length must be true. */
	if (pkt->ip_len < pkt->l3_len || data + pkt->l2_len + pkt->ip_len > data_end)
		return drop(XLB_DROP_BAD_L3);
	vs = bpf_map_lookup_elem(&xlb_vipstat_v2, &vip->vip_id);
	if (acl_refuses(pkt, vip, vs))
		return drop(XLB_DROP_ACL_DENIED);
	hash = flow_hash(pkt, vip);
	backend_id = ring_pick(vip, hash);
	if (backend_id == XLB_NO_BACKEND) {
		VIP_STAT(vs, no_backend);
		return drop(XLB_DROP_NO_BACKEND);
	}
	be = bpf_map_lookup_elem(&xlb_backends_v2, &backend_id);
	if (!be || !(be->flags & XLB_BACKEND_VALID))
		return drop(XLB_DROP_BAD_BACKEND);
	count_node(XLB_CNT_FRAGMENT_FORWARDED, bytes);
	return send_to_backend(ctx, pkt, node_cfg(), be, backend_id, hash, vs, 0, bytes);
}

/* Errors about a VIP's flows go to the flow's backend; echo requests are
 * answered when the node is told to (within the ICMP budget); other ICMP to
 * a VIP address is dropped and counted. */
static __always_inline struct verdict icmp_to_vip(struct xdp_md *ctx, struct packet *pkt, __u64 bytes)
{
	struct xlb_node_cfg *cfg = node_cfg();
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (is_icmp_error(data, data_end, pkt))
		return forward_icmp_error(ctx, pkt, bytes);
	if (!cfg || !(cfg->flags & XLB_NODE_ANSWER_ECHO) || !is_echo_request(data, data_end, pkt))
		return drop(XLB_DROP_ICMP_TO_VIP);
	if (!icmp_budget_admits(cfg))
		return drop(XLB_DROP_ICMP_RATE_LIMITED);
	if (answer_echo(ctx, pkt) != XDP_TX)
		return drop(XLB_DROP_ICMP_TO_VIP);
	count_node(XLB_CNT_ICMP_ECHO_REPLY, bytes);
	return (struct verdict){.action = XDP_TX};
}

static __always_inline struct verdict process(struct xdp_md *ctx, struct packet *pkt, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_vip *vip;
	int rc;

	rc = parse_l2(data, data_end, &pkt->l2, &pkt->l2_len);
	if (rc == PARSE_TRUNCATED)
		return drop(XLB_DROP_TRUNCATED_L2);
	if (rc != PARSE_OK)
		return pass();

	if (l2_inner_proto(&pkt->l2) == bpf_htons(ETH_P_IP))
		rc = parse_ipv4(data, data_end, pkt);
	else
		rc = parse_ipv6(data, data_end, pkt);
	if (rc == PARSE_TRUNCATED)
		return drop(XLB_DROP_TRUNCATED_L3);
	if (rc == PARSE_MALFORMED)
		return drop(XLB_DROP_BAD_L3);
	/* Most traffic that is no VIP's leaves here, after one array read. */
	if (!vip_filter_may_match(pkt))
		return pass();

	/* The common case first: TCP or UDP to a service's own port, found with
	 * one lookup. Anything else (no such service, a truncated or fragmented
	 * packet, ICMP, another protocol) takes the path below, which tells
	 * "not ours" (passed) from "ours, but not served" (dropped, counted). */
	if (!pkt->fragment && (pkt->l4_proto == IPPROTO_TCP || pkt->l4_proto == IPPROTO_UDP) &&
	    parse_l4_ports(data, data_end, pkt) == PARSE_OK) {
		vip = vip_lookup_port(pkt, pkt->flow.dport);
		if (vip) {
			if (!ip_length_ok(data, data_end, pkt))
				return drop(XLB_DROP_BAD_L3);
			return forward(ctx, pkt, vip, bytes);
		}
	}
	if (!vip_address_known(pkt))
		return pass();

	if (pkt->fragment)
		return forward_fragment(ctx, pkt, bytes);
	if (pkt->l4_proto == IPPROTO_ICMP || pkt->l4_proto == IPPROTO_ICMPV6)
		return icmp_to_vip(ctx, pkt, bytes);
	if (pkt->l4_proto != IPPROTO_TCP && pkt->l4_proto != IPPROTO_UDP)
		return drop(XLB_DROP_UNKNOWN_L4);
	rc = parse_l4_ports(data, data_end, pkt);
	if (rc == PARSE_TRUNCATED)
		return drop(XLB_DROP_TRUNCATED_L4);
	if (rc != PARSE_OK || !ip_length_ok(data, data_end, pkt))
		return drop(XLB_DROP_BAD_L3);

	vip = vip_lookup_port(pkt, 0); /* the exact port was looked up above */
	if (!vip)
		return drop(XLB_DROP_NO_SERVICE);
	return forward(ctx, pkt, vip, bytes);
}

SEC("xdp")
int xlb_l4(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	const int capturing = capture_begin(ctx);
	struct packet pkt = {};
	struct verdict v = process(ctx, &pkt, bytes);

	switch (v.action) {
	case XDP_PASS:
		count_node(XLB_CNT_PASS, bytes);
		break;
	case XDP_TX:
		count_node(XLB_CNT_TX, bytes);
		break;
	case XDP_REDIRECT:
		count_node(XLB_CNT_REDIRECT, bytes);
		break;
	default:
		count_node(XLB_CNT_DROP, bytes);
		count_drop_reason(v.reason, bytes);
		v.action = XDP_DROP;
		break;
	}
	if (capturing)
		xlb_capture_end(ctx, &pkt.flow, v.action, v.reason, v.backend_id);
	return v.action;
}
