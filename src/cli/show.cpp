#include "cli/show.h"

#include <cstdio>
#include <ctime>
#include <sstream>

#include "l4/counter_names.h"
#include "l4/map_set.h"
#include "l4/tables.h"
#include "maglev/maglev.h"

namespace xlb::cli {

using nlohmann::json;

namespace {
json counter_json(const xlb_counter& c) { return json{{"packets", c.packets}, {"bytes", c.bytes}}; }

Result<json> node_counters(const l4::MapSet& m) {
  json out = json::object();
  for (uint32_t id : l4::counter_ids()) {
    auto c = bpf::read_percpu_counter(m.counters, id);
    if (!c) return c.error();
    out[l4::counter_name(id)] = counter_json(*c);
  }
  return out;
}
// The stateless fallback, per CPU: who is in it now, for how long in all.
Result<json> stateless_mode(const l4::MapSet& m) {
  auto per_cpu = bpf::read_percpu<xlb_flood_state>(m.flood, 0);
  if (!per_cpu) return per_cpu.error();
  xlb_node_cfg cfg{};
  uint32_t zero = 0;
  if (auto found = m.node_cfg.lookup(&zero, &cfg); !found) return found.error();
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // bpf_ktime_get_ns's clock
  const uint64_t now_ns = uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec);
  json cpus = json::array();
  uint64_t total_ns = 0, rate = 0;
  for (size_t cpu = 0; cpu < per_cpu->size(); ++cpu) {
    const auto& s = (*per_cpu)[cpu];
    const uint64_t ns = s.stateless_ns_total + (s.stateless ? now_ns - s.entered_ns : 0);
    total_ns += ns;
    rate += s.last_rate;
    if (s.stateless) cpus.push_back(cpu);
  }
  return json{{"stateless_above", cfg.stateless_above},
              {"stateless_below", cfg.stateless_below},
              {"cpus_stateless_now", cpus},
              {"new_flows_per_s_last_window", rate},
              {"stateless_seconds_total", double(total_ns) / 1e9}};
}
}  // namespace

Result<json> l4_state(const std::string& pin_dir) {
  auto pinned = l4::PinnedMapSet::open(pin_dir);
  if (!pinned) return pinned.error();
  const auto& m = (*pinned)->maps();
  auto tables = l4::Tables::recover(m);
  if (!tables) return tables.error();

  json vips = json::array();
  for (const auto& [key, svc] : tables->services()) {
    auto ring = m.rings.read_u32_range(svc.ring_id * m.params.ring_size, m.params.ring_size);
    if (!ring) return ring.error();
    auto fill = maglev::fill_counts(*ring);
    auto stats = bpf::sum_percpu<xlb_vip_stats>(m.vip_stats, svc.vip_id);
    if (!stats) return stats.error();
    json backends = json::array();
    for (size_t i = 0; i < svc.backend_ids.size(); ++i) {
      uint32_t id = svc.backend_ids[i];
      auto be_stats = bpf::sum_percpu<xlb_backend_stats>(m.backend_stats, id);
      if (!be_stats) return be_stats.error();
      backends.push_back({{"address", svc.spec.backends[i].address.str()},
                          {"id", id},
                          {"weight", svc.spec.backends[i].weight},
                          {"state", l4::backend_state_name(svc.spec.backends[i].state)},
                          {"ring_slots", fill.count(id) ? fill[id] : 0},
                          {"packets", be_stats->packets},
                          {"bytes", be_stats->bytes},
                          {"new_flows", be_stats->new_flows}});
    }
    json flags = json::array();
    if (svc.spec.flags & XLB_VIP_HASH_SRC_ONLY) flags.push_back("hash_source_only");
    if (svc.spec.flags & XLB_VIP_STATELESS) flags.push_back("stateless");
    vips.push_back({{"service", key.str()},
                    {"address", key.address.str()},
                    {"port", key.port},
                    {"protocol", key.proto == 6 ? "tcp" : "udp"},
                    {"flags", flags},
                    {"vip_id", svc.vip_id},
                    {"rate_limit", {{"rate", svc.spec.rate_limit.rate}, {"burst", svc.spec.rate_limit.burst}}},
                    {"ring_id", svc.ring_id},
                    {"packets", stats->packets},
                    {"bytes", stats->bytes},
                    {"new_flows", stats->new_flows},
                    {"session_hits", stats->session_hits},
                    {"session_misses", stats->session_misses},
                    {"rate_limited", stats->rate_limited},
                    {"no_backend", stats->no_backend},
                    {"backends", backends}});
  }
  auto counters = node_counters(m);
  if (!counters) return counters.error();
  auto flood = stateless_mode(m);
  if (!flood) return flood.error();
  return json{{"params",
               {{"ring_size", m.params.ring_size},
                {"hash_seed", m.params.hash_seed},
                {"max_vips", m.params.max_vips},
                {"max_backends", m.params.max_backends},
                {"session_cache_size", m.params.session_cache_size},
                {"udp_idle_timeout_s", m.params.udp_idle_timeout_s}}},
              {"vips", vips},
              {"stateless_mode", *flood},
              {"counters", *counters}};
}

std::string render_l4_state(const json& s) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line), "ring size %u, hash seed 0x%08x, session cache %u flows (UDP idle %u s)\n\n",
                s["params"]["ring_size"].get<unsigned>(), s["params"]["hash_seed"].get<unsigned>(),
                s["params"]["session_cache_size"].get<unsigned>(), s["params"]["udp_idle_timeout_s"].get<unsigned>());
  out << line;
  for (const auto& v : s["vips"]) {
    out << "VIP " << v["service"].get<std::string>() << "  (" << v["packets"] << " packets, " << v["bytes"]
        << " bytes)";
    for (const auto& f : v["flags"]) out << " [" << f.get<std::string>() << "]";
    if (v["rate_limit"]["rate"].get<unsigned>() > 0)
      out << " [new flows <= " << v["rate_limit"]["rate"] << "/s, burst " << v["rate_limit"]["burst"] << "]";
    out << "\n";
    if (v["backends"].empty()) out << "    no backends: packets are dropped (drop_no_backend)\n";
    for (const auto& b : v["backends"]) {
      double share = 100.0 * b["ring_slots"].get<double>() / s["params"]["ring_size"].get<double>();
      std::snprintf(line, sizeof(line), "    %-40s %-8s weight %-5u ring %6.2f%%  %llu packets\n",
                    b["address"].get<std::string>().c_str(), b["state"].get<std::string>().c_str(),
                    b["weight"].get<unsigned>(), share, static_cast<unsigned long long>(b["packets"].get<uint64_t>()));
      out << line;
    }
  }
  const auto& sm = s["stateless_mode"];
  out << "\nstateless fallback: above " << sm["stateless_above"] << " new flows/s per CPU (back below "
      << sm["stateless_below"] << "); " << sm["cpus_stateless_now"].size() << " CPU(s) stateless now, "
      << sm["stateless_seconds_total"].get<double>() << " s in all\n";
  out << "\nnode counters (packets):\n";
  for (const auto& [name, c] : s["counters"].items()) {
    if (c["packets"].get<uint64_t>() == 0 && name.rfind("drop_", 0) == 0) continue;
    std::snprintf(line, sizeof(line), "    %-24s %llu\n", name.c_str(),
                  static_cast<unsigned long long>(c["packets"].get<uint64_t>()));
    out << line;
  }
  return out.str();
}

}  // namespace xlb::cli
