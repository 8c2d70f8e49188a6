#include "bgp/announcer.h"

#include "bgp/bird_config.h"
#include "bgp/bird_control.h"
#include "common/system.h"

namespace xlb::bgp {

std::set<IpAddr> servable_vips(const std::vector<l4::ServiceSpec>& services) {
  std::set<IpAddr> out;
  for (const auto& s : services)
    for (const auto& b : s.backends)
      if (b.state == l4::BackendState::Active && b.weight > 0) out.insert(s.key.address);
  return out;
}

Status RouteAnnouncer::configure(const config::Bgp& bgp) {
  bgp_ = bgp;
  if (!routes_written_) {
    if (auto st = write_file_atomically(routes_path(bgp_), render_routes(announced_)); !st) return st;
    routes_written_ = true;
  }
  if (auto st = write_file_atomically(bgp_.bird_config, render_bird_config(bgp_)); !st) return st;
  return reload_bird();
}

Status RouteAnnouncer::announce(const std::set<IpAddr>& vips) {
  if (routes_written_ && vips == announced_ && !pending_) return {};
  if (auto st = write_file_atomically(routes_path(bgp_), render_routes(vips)); !st) return st;
  routes_written_ = true;
  announced_ = vips;
  return reload_bird();
}

Status RouteAnnouncer::retry() { return reload_bird(); }

Status RouteAnnouncer::reload_bird() {
  auto st = bird_configure(bgp_.bird_socket);
  pending_ = !st;
  return st;
}

}  // namespace xlb::bgp
