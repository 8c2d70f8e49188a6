/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every map of the L4 program, in one place. Names carry the xlb_ prefix and
 * the layout version from abi.h. Sizes marked "set at load" are placeholders
 * that userspace replaces from the config before loading.
 */
#ifndef XLB_BPF_L4_MAPS_H
#define XLB_BPF_L4_MAPS_H

#include "lib/common.h"
#include "xlb/flow_hash.h"

/* Load-time parameters; userspace writes them into rodata before load, so
 * the verifier sees constants. */
const volatile struct xlb_params xlb_params = {
	.ring_size = 65537,
	.hash_seed = 0,
	.max_vips = 64,
	.max_backends = 4096,
	.outer_ttl = 64,
	.abi_version = XLB_ABI_VERSION,
	.session_cache_size = 262144,
	.udp_idle_timeout_s = 30,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
	__uint(max_entries, 64); /* set at load: max_vips */
} xlb_vips_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_vip_addr_key);
	__type(value, __u32);
	__uint(max_entries, 64); /* set at load: max_vips */
} xlb_vip_addrs_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XLB_VIP_FILTER_WORDS);
} xlb_vipfilter_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct xlb_acl_key);
	__type(value, __u32);
	__uint(max_entries, XLB_ACL_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} xlb_vipacl_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1); /* set at load: (max_vips + XLB_SPARE_RINGS) * ring_size */
} xlb_rings_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_backend);
	__uint(max_entries, 4096); /* set at load: max_backends */
} xlb_backends_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_node_cfg);
	__uint(max_entries, 1);
} xlb_node_cfg_v2 SEC(".maps");

/* A copy of xlb_params that tools can read (rodata is not pinned). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_params);
	__uint(max_entries, 1);
} xlb_params_v2 SEC(".maps");

/* Per-CPU LRU lists: each CPU evicts from its own list, no cross-CPU lock. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct xlb_flow);
	__type(value, struct xlb_session);
	__uint(max_entries, 262144); /* set at load: session_cache_size */
} xlb_sessions_v2 SEC(".maps");

/* Control-plane only (weights per VIP and backend); see abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_vip_backend_key);
	__type(value, struct xlb_vip_backend);
	__uint(max_entries, 65536); /* set at load: max_backends * 16 */
} xlb_vipbe_v2 SEC(".maps");

/* Per-CPU new-flow rate, for the stateless fallback (abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_flood_state);
	__uint(max_entries, 1);
} xlb_flood_v2 SEC(".maps");

/* Budget for generated ICMP, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_icmp_bucket);
	__uint(max_entries, 1);
} xlb_icmpbucket_v2 SEC(".maps");

/* Per-VIP new-flow rate limits (agent) and their token buckets (XDP). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_vip_limit);
	__uint(max_entries, 64); /* set at load: max_vips */
} xlb_viplimit_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_vip_bucket);
	__uint(max_entries, 64); /* set at load: max_vips */
} xlb_vipbucket_v2 SEC(".maps");

/* Egress interfaces other than the ingress one, for XDP_REDIRECT. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 64);
} xlb_tx_ports_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_counter);
	__uint(max_entries, XLB_CNT_CAPACITY);
} xlb_counters_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_vip_stats);
	__uint(max_entries, 64); /* set at load: max_vips */
} xlb_vipstat_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_backend_stats);
	__uint(max_entries, 4096); /* set at load: max_backends */
} xlb_bestat_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_nexthop_cache);
	__uint(max_entries, 4096); /* set at load: backend ids */
} xlb_nhcache_v2 SEC(".maps");

#endif /* XLB_BPF_L4_MAPS_H */
