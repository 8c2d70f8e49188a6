#include "agent/stats_report.h"

#include <map>

namespace xlb::agent {

nlohmann::json stats_report(const config::Config& running, const std::map<l4::ServiceKey, xlb_vip_stats>& stats) {
  std::map<l4::ServiceKey, std::string> listener_of;
  for (const auto& v : running.vips)
    if (!v.name.empty()) listener_of[l4::ServiceKey{v.address, v.port, config::ip_protocol(v.protocol)}] = v.name;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, s] : stats) {
    auto it = listener_of.find(key);
    if (it == listener_of.end()) continue;
    out.push_back({{"listener_id", it->second},
                   {"bytes_in", s.bytes},
                   {"packets_in", s.packets},
                   {"total_connections", s.new_flows},
                   {"request_errors", s.rate_limited + s.no_backend + s.acl_denied}});
  }
  return out;
}

}  // namespace xlb::agent
