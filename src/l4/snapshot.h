// One read of a node's maps: counters, the stateless fallback, and every
// service with its backends and statistics. Shared by `xlb l4 show` and the
// agent's /metrics, so both tell the same story from the same reads.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "common/result.h"
#include "l4/map_set.h"
#include "l4/tables.h"

namespace xlb::l4 {

struct CounterValue {
  uint32_t id = 0;  // enum xlb_counter_id
  xlb_counter value{};
};

// The stateless fallback, summed over CPUs (xlb_flood_v2).
struct StatelessState {
  uint32_t above = 0, below = 0;     // thresholds, new flows per second per CPU
  std::vector<uint32_t> cpus_now;    // CPUs in stateless mode at the time of the read
  uint64_t new_flows_last_window = 0;  // per second, each CPU's last full window, summed
  uint64_t total_ns = 0;             // finished periods plus the running ones
};

struct BackendSnapshot {
  IpAddr address;
  uint32_t id = 0;
  uint32_t weight = 0;
  BackendState state = BackendState::Active;
  xlb_backend_stats stats{};
};

struct ServiceSnapshot {
  ServiceKey key;
  uint32_t flags = 0;
  RateLimit rate_limit;
  std::vector<Prefix> allowed_sources;  // empty: every source
  uint32_t vip_id = 0, ring_id = 0;
  xlb_vip_stats stats{};
  std::vector<BackendSnapshot> backends;  // in the order Tables lists them
};

struct NodeSnapshot {
  xlb_params params{};
  std::vector<CounterValue> counters;  // one per counter_ids(), in that order
  StatelessState stateless;
  std::vector<ServiceSnapshot> services;  // ordered by ServiceKey
};

Result<std::vector<CounterValue>> read_node_counters(const MapSet& maps);
// now_ns: CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
Result<StatelessState> read_stateless(const MapSet& maps, uint64_t now_ns);
uint64_t monotonic_now_ns();

// Reads the statistics of `services` (what Tables holds: an agent passes its
// own, a tool the result of Tables::recover). One lookup per VIP and per
// (VIP, backend) pair.
Result<NodeSnapshot> read_snapshot(const MapSet& maps, const std::map<ServiceKey, InstalledService>& services);
// The per-VIP statistics alone: one lookup per VIP.
Result<std::map<ServiceKey, xlb_vip_stats>> read_vip_stats(const MapSet& maps,
                                                           const std::map<ServiceKey, InstalledService>& services);
// Tables::recover, then the above.
Result<NodeSnapshot> read_snapshot(const MapSet& maps);

}  // namespace xlb::l4
