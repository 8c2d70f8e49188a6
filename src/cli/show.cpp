#include "cli/show.h"

#include <cstdio>
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
  for (uint32_t id = 0; id < XLB_CNT_COUNT; ++id) {
    auto c = bpf::read_percpu_counter(m.counters, id);
    if (!c) return c.error();
    out[l4::counter_name(id)] = counter_json(*c);
  }
  return out;
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
    auto stats = bpf::read_percpu_counter(m.vip_stats, svc.vip_id);
    if (!stats) return stats.error();
    json backends = json::array();
    for (size_t i = 0; i < svc.backend_ids.size(); ++i) {
      uint32_t id = svc.backend_ids[i];
      auto be_stats = bpf::read_percpu_counter(m.backend_stats, id);
      if (!be_stats) return be_stats.error();
      backends.push_back({{"address", svc.spec.backends[i].address.str()},
                          {"id", id},
                          {"weight", svc.spec.backends[i].weight},
                          {"ring_slots", fill.count(id) ? fill[id] : 0},
                          {"packets", be_stats->packets},
                          {"bytes", be_stats->bytes}});
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
                    {"ring_id", svc.ring_id},
                    {"packets", stats->packets},
                    {"bytes", stats->bytes},
                    {"backends", backends}});
  }
  auto counters = node_counters(m);
  if (!counters) return counters.error();
  return json{{"params",
               {{"ring_size", m.params.ring_size},
                {"hash_seed", m.params.hash_seed},
                {"max_vips", m.params.max_vips},
                {"max_backends", m.params.max_backends},
                {"session_cache_size", m.params.session_cache_size},
                {"udp_idle_timeout_s", m.params.udp_idle_timeout_s}}},
              {"vips", vips},
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
    out << "\n";
    if (v["backends"].empty()) out << "    no backends: packets are dropped (drop_no_backend)\n";
    for (const auto& b : v["backends"]) {
      double share = 100.0 * b["ring_slots"].get<double>() / s["params"]["ring_size"].get<double>();
      std::snprintf(line, sizeof(line), "    %-40s weight %-5u ring %6.2f%%  %llu packets (all VIPs)\n",
                    b["address"].get<std::string>().c_str(), b["weight"].get<unsigned>(), share,
                    static_cast<unsigned long long>(b["packets"].get<uint64_t>()));
      out << line;
    }
  }
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
