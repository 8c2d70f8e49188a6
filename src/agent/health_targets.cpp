#include "agent/health_targets.h"

namespace xlb::agent {

namespace {
health::CheckSpec spec_of(const config::HealthCheck& c) {
  health::CheckSpec s;
  switch (c.type) {
    case config::CheckType::Tcp: s.type = health::CheckType::Tcp; break;
    case config::CheckType::Http: s.type = health::CheckType::Http; break;
    case config::CheckType::Https: s.type = health::CheckType::Https; break;
    case config::CheckType::Udp: s.type = health::CheckType::Udp; break;
    case config::CheckType::Ping: s.type = health::CheckType::Ping; break;
  }
  s.interval = std::chrono::milliseconds(c.interval_ms);
  s.timeout = std::chrono::milliseconds(c.timeout_ms);
  s.rise = static_cast<int>(c.rise);
  s.fall = static_cast<int>(c.fall);
  s.http_path = c.path;
  s.http_host = c.host;
  s.expected_status.clear();
  for (const auto& r : c.expect_status) s.expected_status.push_back(health::StatusRange{r.lo, r.hi});
  s.udp_payload = c.payload;
  return s;
}
}  // namespace

HealthTargets health_targets_of(const config::Config& cfg) {
  HealthTargets out;
  for (const auto& vip : cfg.vips) {
    if (!vip.health_check) continue;
    const health::CheckSpec spec = spec_of(*vip.health_check);
    const std::string label = config::vip_label(vip);
    for (const auto& b : vip.backends) {
      health::Target t;
      t.address = b.monitor_address.value_or(b.address);
      // A ping has no port: one target per address, whichever VIPs ask for it.
      t.port = vip.health_check->type == config::CheckType::Ping ? 0
               : b.monitor_port                                  ? b.monitor_port
               : vip.health_check->port                          ? vip.health_check->port
                                                                 : vip.port;
      t.spec = spec;
      out[t].push_back(BackendRef{label, b.address});
    }
  }
  return out;
}

}  // namespace xlb::agent
