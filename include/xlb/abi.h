/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one contract between the BPF programs and userspace: map keys and
 * values, flags, counter ids and load-time parameters. Included by the BPF
 * objects (compiled by clang -target bpf) and by C++, so it holds plain C
 * only. Every layout change bumps XLB_ABI_VERSION and the `_vN` suffix of the
 * map names, so an upgraded agent never reads an old pinned map wrongly.
 *
 * Byte order: addresses and ports are stored as they appear on the wire
 * (network order); everything else is host order.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/bpf.h> /* struct bpf_spin_lock */
#include <linux/types.h>

#define XLB_ABI_VERSION 2

/* Address families as they appear in keys and values. */
enum xlb_family {
	XLB_FAMILY_NONE = 0,
	XLB_FAMILY_V4 = 4,
	XLB_FAMILY_V6 = 6,
};

/* An IPv4 address uses addr[0]; addr[1..3] stay zero so keys compare exactly. */
struct xlb_addr {
	__u32 addr[4];
};

/* ---- L4 balancer maps --------------------------------------------------- */

/* xlb_vips_v2: HASH, key xlb_vip_key -> xlb_vip. port == 0 means "all ports". */
struct xlb_vip_key {
	struct xlb_addr addr;
	__u16 port;  /* network order */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family; /* enum xlb_family */
};

enum xlb_vip_flags {
	/* Hash on the source address only (clients stick to one backend). */
	XLB_VIP_HASH_SRC_ONLY = 1u << 0,
	/* Never use the session cache: every packet is balanced by the ring. */
	XLB_VIP_STATELESS = 1u << 1,
	/* Hash on the source and destination addresses only, and balance IP
	 * fragments: every fragment of a datagram (first and later, which carry
	 * no ports) reaches the same backend. For all-ports (port 0) VIPs. */
	XLB_VIP_HASH_ADDRESSES = 1u << 2,
	/* Only sources in the VIP's allow-list (xlb_vipacl_v2) are served; the
	 * rest are dropped and counted (acl_denied). */
	XLB_VIP_ACL = 1u << 3,
};

struct xlb_vip {
	__u32 vip_id;  /* index into xlb_vipstat_v2, < params.max_vips */
	__u32 flags;   /* enum xlb_vip_flags */
	__u32 ring_id; /* which slot of xlb_rings_v2 is live, < params.max_vips + XLB_SPARE_RINGS */
	__u32 reserved;
};

/*
 * xlb_vip_addrs_v2: HASH, key xlb_vip_addr_key -> __u32 (always 1: presence is
 * what matters). Lets the program tell "a VIP address, but a port or protocol we
 * don't serve" (dropped, counted) from "not ours at all" (passed).
 */
struct xlb_vip_addr_key {
	struct xlb_addr addr;
	__u32 family;
};

/*
 * xlb_vipfilter_v2: ARRAY of XLB_VIP_FILTER_WORDS __u64, a bitmap with bit
 * xlb_vip_filter_bit(address) set for every VIP address. A clear bit means
 * "no VIP": the program passes the packet without a hash lookup. A set bit
 * only means "maybe" (other addresses share it), and the maps above decide.
 */
#define XLB_VIP_FILTER_BITS 65536
#define XLB_VIP_FILTER_WORDS (XLB_VIP_FILTER_BITS / 64)
static inline __u32 xlb_vip_filter_bit(const __u32 addr[4])
{
	__u32 x = addr[0] ^ addr[1] ^ addr[2] ^ addr[3];

	return (x ^ (x >> 16)) & (XLB_VIP_FILTER_BITS - 1);
}

/*
 * xlb_vipacl_v2: LPM_TRIE, key xlb_acl_key -> __u32 (always 1), the source
 * prefixes a VIP with XLB_VIP_ACL serves. The key's prefixlen counts the
 * vip_id's 32 bits plus the prefix's own, so one trie holds every VIP's list
 * and a lookup with prefixlen 32 + 128 finds the longest match in this VIP's.
 * IPv4 sources sit in addr[0..3], as in xlb_addr.
 */
#define XLB_ACL_MAX_PREFIXES 65536 /* in all the VIPs' lists */
/* Room for one list being replaced on top of a full node: during an update
 * a VIP's new prefixes go in before its old ones go out. */
#define XLB_ACL_MAX_ENTRIES (2 * XLB_ACL_MAX_PREFIXES)
struct xlb_acl_key {
	__u32 prefixlen;
	__u32 vip_id; /* network order, so the trie sees its bytes in order */
	__u8 addr[16];
};

/*
 * xlb_rings_v2: ARRAY of __u32 backend ids, (max_vips + XLB_SPARE_RINGS) rings
 * of params.ring_size entries each. Backend id 0 means "no backend". A ring is
 * rewritten only while no VIP points at it; a VIP then flips to it in one
 * update of its xlb_vip, so a packet never sees half a ring.
 */
#define XLB_SPARE_RINGS 1
#define XLB_NO_BACKEND 0

/*
 * xlb_backends_v2: ARRAY indexed by backend id (1 .. 2 * max_backends - 1).
 * An id stands for one (VIP, backend address) pair, so that a backend can be
 * DOWN or draining for one VIP and serve another, and counters are per pair.
 */
enum xlb_backend_flags {
	XLB_BACKEND_VALID = 1u << 0,
	/* Failed its health check or set down by the operator: out of the ring,
	 * and a cached flow that finds it is balanced afresh at once. */
	XLB_BACKEND_DOWN = 1u << 1,
};

struct xlb_backend {
	struct xlb_addr addr;
	__u8 family; /* enum xlb_family */
	__u8 flags;  /* enum xlb_backend_flags */
	__u16 reserved;
	/* Bumped whenever this id is given to a backend: a session cached for an
	 * earlier holder of the id no longer matches and is balanced afresh. */
	__u32 generation;
};

/*
 * xlb_sessions_v2: LRU_HASH with per-CPU LRU lists, key xlb_flow (the full
 * 5-tuple, flow_hash.h) -> xlb_session. Looked up before the ring so that a
 * flow stays on its backend when the backend set changes.
 */
struct xlb_session {
	__u32 backend_id;
	__u32 generation;   /* the backend's generation when the entry was made */
	__u64 last_seen_ns; /* UDP only: idle entries expire (bpf_ktime_get_ns) */
};

/*
 * xlb_vipbe_v2: HASH, key xlb_vip_backend_key -> xlb_vip_backend, max_backends
 * entries. Control-plane state (weights, states) kept beside the rings so
 * that tools and a restarted agent see what the rings were built from. The
 * XDP program never reads it: what it needs is in the ring and xlb_backend.
 */
struct xlb_vip_backend_key {
	__u32 vip_id;
	__u32 backend_id;
};

/* A backend's state for one VIP. */
enum xlb_backend_state {
	XLB_BACKEND_ACTIVE = 0,     /* in the ring */
	XLB_BACKEND_DRAINING = 1,   /* out of the ring; its cached flows go on until idle */
	XLB_BACKEND_STATE_DOWN = 2, /* out of the ring; its cached flows are balanced afresh */
};

struct xlb_vip_backend {
	__u32 weight;
	__u32 state; /* enum xlb_backend_state */
};

/* xlb_node_cfg_v2: ARRAY of one entry, settings that may change at run time. */
enum xlb_node_flags {
	XLB_NODE_HAS_GATEWAY = 1u << 0, /* gateway_mac is a usable fallback next hop */
	XLB_NODE_HAS_SRC4 = 1u << 1,    /* encap_src4 is configured */
	XLB_NODE_HAS_SRC6 = 1u << 2,    /* encap_src6 is configured */
	XLB_NODE_HAS_MAC = 1u << 3,     /* node_mac is set */
	XLB_NODE_ANSWER_ECHO = 1u << 4, /* answer ICMP/ICMPv6 echo requests to VIP addresses */
};

struct xlb_node_cfg {
	/* Outer source = prefix | (flow hash & hostmask): receivers spread
	 * flows over RX queues by outer source. Network order. */
	__u32 encap_src4;
	__u32 encap_src4_hostmask;
	__u32 encap_src6[4];
	__u32 encap_src6_hostmask; /* applied to the last 32 bits */
	__u8 gateway_mac[6];
	__u16 flags; /* enum xlb_node_flags */
	/* The ingress interface's own MAC: the source of frames sent to the
	 * gateway (the frame's destination MAC may be broadcast). */
	__u8 node_mac[6];
	__u16 reserved;
	/* Stateless fallback under a flood of new flows, per CPU: above
	 * stateless_above new flows per second the session cache takes no new
	 * entries (the ones it has still serve); it takes them again once a
	 * window's rate is below stateless_below. 0 = never. */
	__u32 stateless_above;
	__u32 stateless_below;
	/* The largest IP packet the path to the backends carries (the tunnel
	 * included). A packet that no longer fits once encapsulated is answered
	 * with ICMP Fragmentation Needed / Packet Too Big. 0 = no check. */
	__u32 backend_mtu;
	/* ICMP the node generates, per CPU: a token bucket, so the node cannot be
	 * used as an amplifier. icmp_rate 0 = no limit. */
	__u32 icmp_rate;
	__u32 icmp_burst;
};

/*
 * Load-time parameters: the program's rodata (`xlb_params`) and, for tools
 * that must build an identical instance (`xlb l4 explain`), the pinned
 * one-entry ARRAY xlb_params_v2.
 */
struct xlb_params {
	__u32 ring_size;   /* Maglev M, prime */
	__u32 hash_seed;   /* identical on every L4 node */
	__u32 max_vips;
	__u32 max_backends;
	__u8 outer_ttl;
	__u8 reserved[3];
	__u32 abi_version;
	__u32 session_cache_size; /* entries; 0 turns the cache off */
	__u32 udp_idle_timeout_s; /* a UDP session unused this long is forgotten */
};

/*
 * xlb_flood_v2: PERCPU_ARRAY of one xlb_flood_state: each CPU measures its own
 * new-flow rate over windows of XLB_FLOOD_WINDOW_NS, with no shared state.
 */
#define XLB_FLOOD_WINDOW_NS 100000000ull /* 100 ms */
struct xlb_flood_state {
	__u64 window_start_ns;
	__u64 window_new_flows;
	__u64 stateless;          /* 1 while this CPU inserts no sessions */
	__u64 entered_ns;         /* when the current stateless period began */
	__u64 stateless_ns_total; /* time in stateless mode, finished periods */
	__u64 last_rate;          /* new flows per second in the last full window */
};

/*
 * Per-VIP new-flow rate limit: a token bucket per VIP, shared by the CPUs.
 * xlb_viplimit_v2 (ARRAY by vip_id, written by the agent) holds the limit;
 * xlb_vipbucket_v2 (ARRAY by vip_id) the bucket, written only by XDP once
 * the agent has zeroed it for a new VIP. rate 0 = no limit.
 */
#define XLB_RATE_LIMIT_MAX 100000000u /* per second, and burst: keeps the token arithmetic in 64 bits */
struct xlb_vip_limit {
	__u32 rate;  /* new flows per second */
	__u32 burst; /* new flows allowed at once */
};
struct xlb_vip_bucket {
	struct bpf_spin_lock lock;
	__u32 reserved;
	__u64 tokens_ns; /* tokens x 1e9: one token is XLB_NS_PER_TOKEN */
	__u64 last_ns;
};
#define XLB_NS_PER_TOKEN 1000000000ull

/* xlb_icmpbucket_v2: PERCPU_ARRAY of one xlb_icmp_bucket: the budget for
 * generated ICMP on each CPU (node_cfg.icmp_rate, icmp_burst). */
struct xlb_icmp_bucket {
	__u64 tokens_ns;
	__u64 last_ns;
};

/*
 * xlb_nhcache_v2: PERCPU_ARRAY of xlb_nexthop_cache by backend id. The FIB
 * lookup toward a backend is the largest single cost of a forwarded packet
 * (docs/benchmarks.md), and its answer rarely changes: each CPU keeps the last
 * successful answer per backend and uses it until the epoch (bpf_jiffies64()
 * >> XLB_NEXTHOP_EPOCH_SHIFT, about a second at HZ=250) moves on, so a changed
 * neighbour or route is picked up within an epoch. Written only by XDP.
 */
#define XLB_NEXTHOP_EPOCH_SHIFT 8
struct xlb_nexthop_cache {
	__u8 dmac[6];
	__u8 smac[6];
	__u32 ifindex;         /* egress interface */
	__u32 ingress_ifindex; /* the answer holds for packets that arrived here */
	__u32 generation;      /* the backend's generation: a reused id misses */
	__u32 reserved;
	__u64 epoch;           /* when it was looked up; 0 = empty */
};

/* ---- Counters ----------------------------------------------------------- */

struct xlb_counter {
	__u64 packets;
	__u64 bytes;
};

/* Why a packet was dropped. Each reason has its own counter. */
enum xlb_drop_reason {
	XLB_DROP_TRUNCATED_L2 = 0, /* Ethernet or VLAN header cut short */
	XLB_DROP_TRUNCATED_L3,     /* IP header (or an IPv6 extension) cut short */
	XLB_DROP_BAD_L3,           /* bad IP version or IHL; to a VIP: IP length short of the headers or beyond the frame */
	XLB_DROP_TRUNCATED_L4,     /* TCP/UDP header to a VIP cut short */
	XLB_DROP_FRAGMENT,         /* IP fragment to a VIP that does not hash on addresses only */
	XLB_DROP_UNKNOWN_L4,       /* protocol we don't balance, to a VIP address */
	XLB_DROP_NO_SERVICE,       /* VIP address, but no service on that port/proto */
	XLB_DROP_NO_BACKEND,       /* the VIP's ring is empty: no backend configured, or all
				    * of them DOWN or draining (never sent to a dead one).
				    * A SYN is answered with a RST instead (reset_no_backend) */
	XLB_DROP_BAD_BACKEND,      /* ring names a backend id with no valid entry */
	XLB_DROP_NO_ENCAP_SOURCE,  /* no encap source configured for that family */
	XLB_DROP_UNSUPPORTED_ENCAP,/* IPv6 VIP with IPv4 backend */
	XLB_DROP_ENCAP_FAILED,     /* no headroom to add the outer header */
	XLB_DROP_NO_ROUTE,         /* FIB has no neighbour and no gateway is set */
	XLB_DROP_NO_TX_PORT,       /* FIB egress interface is not in xlb_tx_ports_v2 */
	XLB_DROP_ICMP_TO_VIP,      /* ICMP to a VIP address other than an echo request we answer
				    * (the node does not own the VIP: its kernel would only route it back) */
	XLB_DROP_RATE_LIMITED,     /* a new flow above the VIP's connection-rate limit */
	XLB_DROP_TOO_BIG_NO_DF,    /* IPv4 too big for the tunnel, without DF: we do not fragment */
	XLB_DROP_ICMP_RATE_LIMITED, /* an answer was due (Too Big, echo reply), but the CPU's ICMP budget is spent */
	XLB_DROP_TOO_BIG_UNANSWERED,   /* too big, and the header is not one we quote (IPv4 options) */
	XLB_DROP_ICMP_ERROR_MALFORMED,  /* an ICMP error to a VIP whose quote we cannot read */
	XLB_DROP_ICMP_ERROR_UNKNOWN_FLOW, /* an ICMP error quoting a packet no VIP service sent */
	XLB_DROP_ACL_DENIED,       /* a source outside the VIP's allow-list (XLB_VIP_ACL) */
	XLB_DROP_REASON_COUNT,
};

/*
 * xlb_counters_v2: PERCPU_ARRAY of xlb_counter, XLB_CNT_CAPACITY entries
 * indexed by this enum. Node counters take ids below XLB_CNT_DROP_REASON_BASE,
 * drop reasons the ids above it: either list grows without moving the other,
 * and the map keeps its size.
 */
enum xlb_counter_id {
	/* Verdicts: every packet lands in exactly one of these. */
	XLB_CNT_PASS = 0,
	XLB_CNT_TX,
	XLB_CNT_REDIRECT,
	XLB_CNT_DROP,
	XLB_CNT_VERDICT_END,
	/* Next-hop resolution, for forwarded packets. */
	XLB_CNT_FIB_HIT = XLB_CNT_VERDICT_END,
	XLB_CNT_FIB_FALLBACK, /* no usable FIB answer: used the gateway MAC */
	XLB_CNT_FIB_NO_NEIGH, /* route known, neighbour not yet: passed encapsulated
			       * to the kernel, which resolves it and forwards */
	/* Session cache, for packets to a VIP that uses it. */
	XLB_CNT_SESSION_HIT,    /* the cached backend was used */
	XLB_CNT_SESSION_MISS,   /* no usable entry (none, stale, expired, DOWN, or a SYN) */
	XLB_CNT_SESSION_INSERT, /* an entry was written after a miss */
	XLB_CNT_NEW_FLOW,       /* a miss that would insert (not an RST): what the flood detector measures */
	XLB_CNT_INSERT_SKIPPED, /* a miss not inserted because the CPU was in stateless mode */
	XLB_CNT_STATELESS_ENTER, /* a CPU switched to stateless mode (packets = switches) */
	XLB_CNT_STATELESS_LEAVE, /* a CPU switched back to inserting */
	XLB_CNT_RESET_NO_BACKEND, /* a SYN to a VIP with no available backend, answered with a RST (sent: tx) */
	XLB_CNT_ICMP_ECHO_REPLY,  /* an echo request to a VIP address, answered by the node (sent: tx) */
	XLB_CNT_ICMP_ERROR_FORWARDED, /* an ICMP error about a VIP's flow, sent to the flow's backend */
	XLB_CNT_FRAGMENT_FORWARDED, /* an IP fragment balanced by a VIP that hashes on addresses */
	XLB_CNT_ICMP_TOO_BIG,     /* a packet too big for the tunnel, answered with ICMP Fragmentation
				   * Needed (IPv4) or Packet Too Big (IPv6) (sent: tx) */
	XLB_CNT_NEXTHOP_CACHED,   /* of the fib_hit packets, those whose next hop came from the
				   * per-backend cache (xlb_nhcache_v2) instead of a FIB lookup */
	XLB_CNT_CAPTURE_RECORD,    /* a capture record written to xlb_capring_v2 (bytes: record sizes) */
	XLB_CNT_CAPTURE_RING_FULL, /* a capture record lost: the ring was full (the packet itself is unaffected) */
	XLB_CNT_NODE_END,
	XLB_CNT_DROP_REASON_BASE = 32,
	XLB_CNT_COUNT = XLB_CNT_DROP_REASON_BASE + XLB_DROP_REASON_COUNT,
	XLB_CNT_CAPACITY = 96,
};

/*
 * xlb_vipstat_v2: PERCPU_ARRAY of xlb_vip_stats by vip_id. A "new flow" is a
 * connection attempt the VIP admitted: a TCP SYN, or a UDP packet that no
 * session covers (on a stateless VIP, every UDP packet).
 */
struct xlb_vip_stats {
	__u64 packets;        /* forwarded to a backend */
	__u64 bytes;
	__u64 new_flows;
	__u64 session_hits;   /* packets whose backend came from the session cache */
	__u64 session_misses; /* packets of a cache-using VIP that found no usable entry */
	__u64 rate_limited;   /* new flows dropped by the VIP's rate limit */
	__u64 no_backend;     /* packets with no backend available (dropped, or a SYN reset) */
	__u64 acl_denied;     /* packets from a source outside the VIP's allow-list (dropped) */
};
/* xlb_bestat_v2: PERCPU_ARRAY of xlb_backend_stats by backend id (one per (VIP, backend)). */
struct xlb_backend_stats {
	__u64 packets; /* forwarded to this backend */
	__u64 bytes;
	__u64 new_flows;
	__u64 reserved;
};

/* ---- Packet capture ----------------------------------------------------- */

/*
 * `xlb l4 capture` turns capture on by writing xlb_capture_v2 (ARRAY of one
 * xlb_capture_cfg); the program then copies matching packets into
 * xlb_capring_v2 (RINGBUF of XLB_CAPTURE_RING_BYTES): per packet one record of
 * the packet as received and one of what became of it. Off (deadline_ns 0)
 * it costs one array lookup and one branch per packet.
 *
 * deadline_ns is a lease on CLOCK_MONOTONIC (bpf_ktime_get_ns) that the
 * command keeps renewing: if it dies without turning capture off, the
 * program stops capturing when the lease runs out and clears deadline_ns
 * itself, so the one-branch cost returns without anybody's help.
 */
#define XLB_CAPTURE_SNAP_MAX 2048               /* bytes copied per packet, at most */
#define XLB_CAPTURE_RING_BYTES (4u * 1024 * 1024) /* a power of two, as RINGBUF requires */

enum xlb_capture_match {
	XLB_CAPTURE_MATCH_VIP = 1u << 0,     /* flow destination == vip (and vip_port, vip_proto when set) */
	XLB_CAPTURE_MATCH_BACKEND = 1u << 1, /* sent (or about to be sent) to backend */
	XLB_CAPTURE_MATCH_DROPS = 1u << 2,   /* dropped, any reason */
	XLB_CAPTURE_MATCH_REASON = 1u << 3,  /* dropped for drop_reason */
};

struct xlb_capture_cfg {
	__u64 deadline_ns; /* capture is on while bpf_ktime_get_ns() <= deadline_ns; 0 = off */
	__u32 session;     /* copied into records: a reader skips leftovers of earlier sessions */
	__u32 match;       /* enum xlb_capture_match, all set conditions must hold; 0 = every packet
			    * the balancer acted on (packets passed untouched are never captured) */
	__u32 sample;      /* capture 1 in `sample` matching packets (per CPU); 0 or 1 = all */
	__u32 snaplen;     /* bytes of each packet copied, 1..XLB_CAPTURE_SNAP_MAX */
	__u32 budget;      /* packets each CPU captures in this session at most */
	__u32 drop_reason; /* enum xlb_drop_reason, with XLB_CAPTURE_MATCH_REASON */
	struct xlb_addr vip;
	__u16 vip_port;    /* network order; 0 = any port */
	__u8 vip_proto;    /* IPPROTO_TCP / IPPROTO_UDP; 0 = any */
	__u8 vip_family;   /* enum xlb_family */
	struct xlb_addr backend;
	__u8 backend_family;
	__u8 reserved[11];
};

enum xlb_capture_kind {
	XLB_CAPTURE_INGRESS = 1, /* the packet as received */
	XLB_CAPTURE_OUTPUT = 2,  /* the packet as sent (cap_len 0 when it was dropped) */
};

/* One ring record: this header, then cap_len bytes of the frame. */
struct xlb_capture_record {
	__u64 ts_ns;       /* bpf_ktime_get_ns() when the packet arrived */
	__u64 seq;         /* the CPU's packet number in the session: a packet's two records share (cpu, seq) */
	__u32 session;
	__u32 cpu;
	__u32 kind;        /* enum xlb_capture_kind */
	__u32 action;      /* the XDP verdict (XDP_TX, XDP_REDIRECT, XDP_PASS, XDP_DROP) */
	__u32 drop_reason; /* enum xlb_drop_reason, when action == XDP_DROP */
	__u32 backend_id;  /* the backend chosen (0: none) */
	struct xlb_addr backend;
	__u8 backend_family;
	__u8 reserved[3];
	__u32 pkt_len;     /* the frame's full length */
	__u32 cap_len;     /* bytes of it that follow, <= snaplen */
	__u32 reserved2;
	__u8 data[XLB_CAPTURE_SNAP_MAX];
};
#define XLB_CAPTURE_HEADER_BYTES __builtin_offsetof(struct xlb_capture_record, data)

/* ---- Backend decap maps ------------------------------------------------- */

/* xlb_dvips_v2: HASH, key xlb_vip_addr_key -> __u32 (unused, 1). */

/*
 * xlb_dsrc_v2: LPM_TRIE, key xlb_lpm_key -> __u32 (unused, 1): the outer
 * sources (the L4 nodes' encap prefixes) a backend accepts tunnelled packets
 * from, when the program was loaded with `check_outer_source`. Without it,
 * anyone who can reach the backend could tunnel forged client packets to it.
 * prefixlen counts the family word too: 32 + the address prefix length.
 */
struct xlb_lpm_key {
	__u32 prefixlen;
	__u32 family; /* enum xlb_family */
	__u32 addr[4];
};

enum xlb_decap_counter_id {
	XLB_DCNT_DECAP_V4 = 0, /* IPv4 outer removed */
	XLB_DCNT_DECAP_V6,     /* IPv6 outer removed */
	XLB_DCNT_PASS,         /* not encapsulated, or not for a served VIP: untouched */
	XLB_DCNT_DROP_MALFORMED, /* encapsulated but cut short */
	XLB_DCNT_DROP_ADJUST,  /* the kernel refused to move the packet head */
	XLB_DCNT_CE_MARKED,    /* outer congestion mark copied to the inner header (RFC 6040) */
	XLB_DCNT_DROP_CE_NOT_ECT, /* outer CE on an inner packet that is not ECN-capable (RFC 6040) */
	XLB_DCNT_DROP_SOURCE,  /* tunnelled from an outer source outside the allowed prefixes */
	XLB_DCNT_COUNT,
};

/*
 * xlb_dmss_v2: ARRAY of one xlb_mss_clamp. The backend's tc egress program
 * lowers the MSS option of SYN-ACKs sent from a served VIP to these values,
 * so that the client's segments still fit the path from the L4 nodes once
 * tunnelled. 0 = leave that family alone.
 */
struct xlb_mss_clamp {
	__u16 mss4; /* for IPv4 SYN-ACKs */
	__u16 mss6; /* for IPv6 SYN-ACKs */
	__u32 reserved;
};

/* xlb_dmsscnt_v2: PERCPU_ARRAY of xlb_counter, indexed by this enum. */
enum xlb_mss_counter_id {
	XLB_MSS_CLAMPED = 0,   /* a SYN-ACK from a VIP whose MSS was lowered */
	XLB_MSS_FITS,          /* a SYN-ACK from a VIP whose MSS already fit (or had none) */
	XLB_MSS_UNPARSED,      /* a SYN-ACK from a VIP we could not read to the end of its
				* options (IPv6 extension headers, bad option lengths): left alone */
	XLB_MSS_COUNT,
};

/* Layout checks, compiled on both sides: a mismatch fails the build. */
#ifdef __cplusplus
#define XLB_ABI_ASSERT(cond, what) static_assert(cond, what)
#else
#define XLB_ABI_ASSERT(cond, what) _Static_assert(cond, what)
#endif
XLB_ABI_ASSERT(sizeof(struct xlb_addr) == 16, "xlb_addr layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_key) == 20, "xlb_vip_key layout");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_vip_key, port) == 16, "xlb_vip_key.port");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_vip_key, family) == 19, "xlb_vip_key.family");
XLB_ABI_ASSERT(sizeof(struct xlb_vip) == 16, "xlb_vip layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_addr_key) == 20, "xlb_vip_addr_key layout");
XLB_ABI_ASSERT(sizeof(struct xlb_backend) == 24, "xlb_backend layout");
XLB_ABI_ASSERT(sizeof(struct xlb_session) == 16, "xlb_session layout");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_backend, family) == 16, "xlb_backend.family");
XLB_ABI_ASSERT(sizeof(struct xlb_node_cfg) == 64, "xlb_node_cfg layout");
XLB_ABI_ASSERT(sizeof(struct xlb_icmp_bucket) == 16, "xlb_icmp_bucket layout");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_node_cfg, node_mac) == 36, "xlb_node_cfg.node_mac");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_node_cfg, gateway_mac) == 28, "xlb_node_cfg.gateway_mac");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_node_cfg, flags) == 34, "xlb_node_cfg.flags");
XLB_ABI_ASSERT(sizeof(struct xlb_params) == 32, "xlb_params layout");
XLB_ABI_ASSERT(__builtin_offsetof(struct xlb_params, outer_ttl) == 16, "xlb_params.outer_ttl");
XLB_ABI_ASSERT(sizeof(struct xlb_counter) == 16, "xlb_counter layout");
XLB_ABI_ASSERT(sizeof(struct xlb_lpm_key) == 24, "xlb_lpm_key layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_backend_key) == 8, "xlb_vip_backend_key layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_backend) == 8, "xlb_vip_backend layout");
XLB_ABI_ASSERT(XLB_CNT_NODE_END <= XLB_CNT_DROP_REASON_BASE, "node counters overflow into drop reasons");
XLB_ABI_ASSERT(XLB_CNT_COUNT <= XLB_CNT_CAPACITY, "drop reasons overflow the counter map");
XLB_ABI_ASSERT(sizeof(struct xlb_flood_state) == 48, "xlb_flood_state layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_limit) == 8, "xlb_vip_limit layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_stats) == 64, "xlb_vip_stats layout");
XLB_ABI_ASSERT(sizeof(struct xlb_acl_key) == 24, "xlb_acl_key layout");
XLB_ABI_ASSERT(sizeof(struct xlb_backend_stats) == 32, "xlb_backend_stats layout");
XLB_ABI_ASSERT(sizeof(struct xlb_vip_bucket) == 24, "xlb_vip_bucket layout");
XLB_ABI_ASSERT(sizeof(struct xlb_mss_clamp) == 8, "xlb_mss_clamp layout");
XLB_ABI_ASSERT(sizeof(struct xlb_nexthop_cache) == 40, "xlb_nexthop_cache layout");
XLB_ABI_ASSERT(sizeof(struct xlb_capture_cfg) == 80, "xlb_capture_cfg layout");
XLB_ABI_ASSERT(XLB_CAPTURE_HEADER_BYTES == 72, "xlb_capture_record header layout");
XLB_ABI_ASSERT(sizeof(struct xlb_capture_record) == 72 + XLB_CAPTURE_SNAP_MAX, "xlb_capture_record layout");

#endif /* XLB_ABI_H */
