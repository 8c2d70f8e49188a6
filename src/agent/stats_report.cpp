#include "agent/stats_report.h"

#include <map>

namespace xlb::agent {

nlohmann::json stats_report(const config::Config& running, const l4::NodeSnapshot& snapshot) {
  std::map<l4::ServiceKey, std::string> listener_of;
  for (const auto& v : running.vips)
    if (!v.name.empty()) listener_of[l4::ServiceKey{v.address, v.port, config::ip_protocol(v.protocol)}] = v.name;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& svc : snapshot.services) {
    auto it = listener_of.find(svc.key);
    if (it == listener_of.end()) continue;
    out.push_back({{"listener_id", it->second},
                   {"bytes_in", svc.stats.bytes},
                   {"packets_in", svc.stats.packets},
                   {"total_connections", svc.stats.new_flows},
                   {"request_errors", svc.stats.rate_limited + svc.stats.no_backend + svc.stats.acl_denied}});
  }
  return out;
}

}  // namespace xlb::agent
