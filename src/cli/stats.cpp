#include "cli/stats.h"

#include <cstdio>
#include <map>
#include <sstream>

#include "l4/counter_names.h"

namespace xlb::cli {

using nlohmann::json;

namespace {

double rate(uint64_t before, uint64_t after, double seconds) {
  return after > before && seconds > 0 ? double(after - before) / seconds : 0.0;
}

json traffic(uint64_t p0, uint64_t p1, uint64_t b0, uint64_t b1, uint64_t f0, uint64_t f1, double s) {
  return json{{"pps", rate(p0, p1, s)}, {"bps", 8 * rate(b0, b1, s)}, {"new_flows_per_s", rate(f0, f1, s)}};
}

}  // namespace

json stats_rates(const l4::NodeSnapshot& before, const l4::NodeSnapshot& after, double seconds) {
  std::map<uint32_t, xlb_counter> old_counters;
  for (const auto& c : before.counters) old_counters[c.id] = c.value;
  json verdicts = json::object(), drops = json::object(), node = json::object();
  for (const auto& c : after.counters) {
    const xlb_counter old = old_counters.count(c.id) ? old_counters[c.id] : xlb_counter{};
    const double pps = rate(old.packets, c.value.packets, seconds);
    if (c.id < XLB_CNT_VERDICT_END)
      verdicts[l4::counter_name(c.id)] = {{"pps", pps}, {"bps", 8 * rate(old.bytes, c.value.bytes, seconds)}};
    else if (c.id >= XLB_CNT_DROP_REASON_BASE)
      drops[l4::drop_reason_name(c.id - XLB_CNT_DROP_REASON_BASE)] = pps;
    else
      node[l4::counter_name(c.id)] = pps;
  }

  std::map<l4::ServiceKey, const l4::ServiceSnapshot*> old_services;
  for (const auto& s : before.services) old_services[s.key] = &s;
  json vips = json::array();
  for (const auto& s : after.services) {
    const auto* old = old_services.count(s.key) ? old_services[s.key] : nullptr;
    const xlb_vip_stats o = old && old->vip_id == s.vip_id ? old->stats : xlb_vip_stats{};
    std::map<IpAddr, xlb_backend_stats> old_backends;
    if (old)
      for (const auto& b : old->backends)
        if (b.id) old_backends[b.address] = b.stats;
    json backends = json::array();
    for (const auto& b : s.backends) {
      const xlb_backend_stats ob = old_backends.count(b.address) ? old_backends[b.address] : xlb_backend_stats{};
      json entry = traffic(ob.packets, b.stats.packets, ob.bytes, b.stats.bytes, ob.new_flows, b.stats.new_flows,
                           seconds);
      entry["address"] = b.address.str();
      entry["state"] = l4::backend_state_name(b.state);
      backends.push_back(entry);
    }
    json vip = traffic(o.packets, s.stats.packets, o.bytes, s.stats.bytes, o.new_flows, s.stats.new_flows, seconds);
    vip["service"] = s.key.str();
    vip["rate_limited_per_s"] = rate(o.rate_limited, s.stats.rate_limited, seconds);
    vip["no_backend_per_s"] = rate(o.no_backend, s.stats.no_backend, seconds);
    vip["backends"] = backends;
    vips.push_back(vip);
  }
  return json{{"interval_s", seconds},
              {"verdicts", verdicts},
              {"drops_per_s", drops},
              {"node_per_s", node},
              {"stateless_cpus", after.stateless.cpus_now.size()},
              {"vips", vips}};
}

std::string render_stats(const json& r) {
  std::ostringstream out;
  char line[256];
  auto v = [&](const char* name) {
    const auto& verdicts = r.at("verdicts");
    auto it = verdicts.find(name);
    return it == verdicts.end() ? 0.0 : it->value("pps", 0.0);
  };
  std::snprintf(line, sizeof(line), "node: %.0f pps tx, %.0f redirect, %.0f pass, %.0f drop (over %.1f s); %zu CPU(s) stateless\n",
                v("tx"), v("redirect"), v("pass"), v("drop"), r["interval_s"].get<double>(),
                r["stateless_cpus"].get<size_t>());
  out << line;
  for (const auto& [reason, pps] : r["drops_per_s"].items())
    if (pps.get<double>() > 0) {
      std::snprintf(line, sizeof(line), "  drop %-28s %10.0f /s\n", reason.c_str(), pps.get<double>());
      out << line;
    }
  std::snprintf(line, sizeof(line), "\n%-44s %12s %14s %12s\n", "VIP / backend", "pps", "bit/s", "new flows/s");
  out << line;
  for (const auto& vip : r["vips"]) {
    std::snprintf(line, sizeof(line), "%-44s %12.0f %14.0f %12.0f\n", vip["service"].get<std::string>().c_str(),
                  vip["pps"].get<double>(), vip["bps"].get<double>(), vip["new_flows_per_s"].get<double>());
    out << line;
    for (const auto& b : vip["backends"]) {
      std::string name = "  " + b["address"].get<std::string>() + " (" + b["state"].get<std::string>() + ")";
      std::snprintf(line, sizeof(line), "%-44s %12.0f %14.0f %12.0f\n", name.c_str(), b["pps"].get<double>(),
                    b["bps"].get<double>(), b["new_flows_per_s"].get<double>());
      out << line;
    }
  }
  return out.str();
}

}  // namespace xlb::cli
