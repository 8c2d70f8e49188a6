#include "cli/show.h"

#include <cstdio>
#include <sstream>

#include "l4/counter_names.h"
#include "l4/map_set.h"
#include "l4/snapshot.h"
#include "l4/tables.h"
#include "maglev/maglev.h"

namespace xlb::cli {

using nlohmann::json;

namespace {
json counter_json(const xlb_counter& c) { return json{{"packets", c.packets}, {"bytes", c.bytes}}; }

json node_counters(const std::vector<l4::CounterValue>& counters) {
  json out = json::object();
  for (const auto& c : counters) out[l4::counter_name(c.id)] = counter_json(c.value);
  return out;
}

// The stateless fallback, per CPU: who is in it now, for how long in all.
json stateless_mode(const l4::StatelessState& s) {
  return json{{"stateless_above", s.above},
              {"stateless_below", s.below},
              {"cpus_stateless_now", s.cpus_now},
              {"new_flows_per_s_last_window", s.new_flows_last_window},
              {"stateless_seconds_total", double(s.total_ns) / 1e9}};
}
}  // namespace

Result<json> l4_state(const std::string& pin_dir) {
  auto pinned = l4::PinnedMapSet::open(pin_dir);
  if (!pinned) return pinned.error();
  const auto& m = (*pinned)->maps();
  auto snapshot = l4::read_snapshot(m);
  if (!snapshot) return snapshot.error();

  json vips = json::array();
  for (const auto& svc : snapshot->services) {
    const auto& key = svc.key;
    auto ring = m.rings.read_u32_range(svc.ring_id * m.params.ring_size, m.params.ring_size);
    if (!ring) return ring.error();
    auto fill = maglev::fill_counts(*ring);
    const auto& stats = svc.stats;
    json backends = json::array();
    for (const auto& b : svc.backends) {
      backends.push_back({{"address", b.address.str()},
                          {"id", b.id},
                          {"weight", b.weight},
                          {"state", l4::backend_state_name(b.state)},
                          {"ring_slots", fill.count(b.id) ? fill[b.id] : 0},
                          {"packets", b.stats.packets},
                          {"bytes", b.stats.bytes},
                          {"new_flows", b.stats.new_flows}});
    }
    json flags = json::array();
    if (svc.flags & XLB_VIP_HASH_SRC_ONLY) flags.push_back("hash_source_only");
    if (svc.flags & XLB_VIP_HASH_ADDRESSES) flags.push_back("hash_addresses");
    if (svc.flags & XLB_VIP_STATELESS) flags.push_back("stateless");
    json allowed = json::array();
    for (const auto& p : svc.allowed_sources) allowed.push_back(p.str());
    vips.push_back({{"service", key.str()},
                    {"address", key.address.str()},
                    {"port", key.port},
                    {"protocol", key.proto == 6 ? "tcp" : "udp"},
                    {"flags", flags},
                    {"vip_id", svc.vip_id},
                    {"rate_limit", {{"rate", svc.rate_limit.rate}, {"burst", svc.rate_limit.burst}}},
                    {"allowed_cidrs", allowed},
                    {"ring_id", svc.ring_id},
                    {"packets", stats.packets},
                    {"bytes", stats.bytes},
                    {"new_flows", stats.new_flows},
                    {"session_hits", stats.session_hits},
                    {"session_misses", stats.session_misses},
                    {"rate_limited", stats.rate_limited},
                    {"no_backend", stats.no_backend},
                    {"acl_denied", stats.acl_denied},
                    {"backends", backends}});
  }
  return json{{"params",
               {{"ring_size", m.params.ring_size},
                {"hash_seed", m.params.hash_seed},
                {"max_vips", m.params.max_vips},
                {"max_backends", m.params.max_backends},
                {"session_cache_size", m.params.session_cache_size},
                {"udp_idle_timeout_s", m.params.udp_idle_timeout_s}}},
              {"vips", vips},
              {"stateless_mode", stateless_mode(snapshot->stateless)},
              {"counters", node_counters(snapshot->counters)}};
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
    if (!v["allowed_cidrs"].empty()) {
      out << " [only from";
      for (const auto& p : v["allowed_cidrs"]) out << " " << p.get<std::string>();
      out << "; " << v["acl_denied"] << " packets refused]";
    }
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
