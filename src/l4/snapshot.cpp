#include "l4/snapshot.h"

#include <ctime>

#include "l4/counter_names.h"

namespace xlb::l4 {

uint64_t monotonic_now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // bpf_ktime_get_ns's clock
  return uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec);
}

Result<std::vector<CounterValue>> read_node_counters(const MapSet& maps) {
  std::vector<CounterValue> out;
  for (uint32_t id : counter_ids()) {
    auto c = bpf::read_percpu_counter(maps.counters, id);
    if (!c) return c.error();
    out.push_back(CounterValue{id, *c});
  }
  return out;
}

Result<StatelessState> read_stateless(const MapSet& maps, uint64_t now_ns) {
  auto per_cpu = bpf::read_percpu<xlb_flood_state>(maps.flood, 0);
  if (!per_cpu) return per_cpu.error();
  xlb_node_cfg cfg{};
  uint32_t zero = 0;
  if (auto found = maps.node_cfg.lookup(&zero, &cfg); !found) return found.error();
  StatelessState out;
  out.above = cfg.stateless_above;
  out.below = cfg.stateless_below;
  for (size_t cpu = 0; cpu < per_cpu->size(); ++cpu) {
    const auto& s = (*per_cpu)[cpu];
    // A period that began after `now` was read (another CPU, just now) adds nothing.
    const uint64_t running = s.stateless && now_ns > s.entered_ns ? now_ns - s.entered_ns : 0;
    out.total_ns += s.stateless_ns_total + running;
    out.new_flows_last_window += s.last_rate;
    if (s.stateless) out.cpus_now.push_back(static_cast<uint32_t>(cpu));
  }
  return out;
}

Result<std::map<ServiceKey, xlb_vip_stats>> read_vip_stats(const MapSet& maps,
                                                           const std::map<ServiceKey, InstalledService>& services) {
  std::map<ServiceKey, xlb_vip_stats> out;
  for (const auto& [key, svc] : services) {
    auto stats = bpf::sum_percpu<xlb_vip_stats>(maps.vip_stats, svc.vip_id);
    if (!stats) return stats.error();
    out[key] = *stats;
  }
  return out;
}

Result<NodeSnapshot> read_snapshot(const MapSet& maps, const std::map<ServiceKey, InstalledService>& services) {
  NodeSnapshot out;
  out.params = maps.params;
  auto vip_stats = read_vip_stats(maps, services);
  if (!vip_stats) return vip_stats.error();
  for (const auto& [key, svc] : services) {
    ServiceSnapshot s;
    s.key = key;
    s.flags = svc.spec.flags;
    s.rate_limit = svc.spec.rate_limit;
    s.allowed_sources = svc.spec.allowed_sources;
    s.vip_id = svc.vip_id;
    s.ring_id = svc.ring_id;
    s.stats = vip_stats->at(key);
    for (size_t i = 0; i < svc.backend_ids.size() && i < svc.spec.backends.size(); ++i) {
      const auto& spec = svc.spec.backends[i];
      BackendSnapshot b{spec.address, svc.backend_ids[i], spec.weight, spec.state, {}};
      auto be_stats = bpf::sum_percpu<xlb_backend_stats>(maps.backend_stats, b.id);
      if (!be_stats) return be_stats.error();
      b.stats = *be_stats;
      s.backends.push_back(b);
    }
    out.services.push_back(std::move(s));
  }
  auto counters = read_node_counters(maps);
  if (!counters) return counters.error();
  out.counters = std::move(*counters);
  auto stateless = read_stateless(maps, monotonic_now_ns());
  if (!stateless) return stateless.error();
  out.stateless = std::move(*stateless);
  return out;
}

Result<NodeSnapshot> read_snapshot(const MapSet& maps) {
  auto tables = Tables::recover(maps);
  if (!tables) return tables.error();
  return read_snapshot(maps, tables->services());
}

}  // namespace xlb::l4
