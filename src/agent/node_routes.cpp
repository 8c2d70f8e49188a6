#include "agent/node_routes.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/logging.h"

namespace xlb::agent {

namespace {

constexpr auto kRetryInterval = std::chrono::seconds(1);

std::string list(const std::set<IpAddr>& vips) {
  std::string out;
  for (const auto& v : vips) out += (out.empty() ? "" : ",") + v.str();
  return out.empty() ? "none" : out;
}

}  // namespace

Result<std::unique_ptr<NodeRoutes>> NodeRoutes::start(boost::asio::io_context& io, const config::Bgp& bgp) {
  auto watchdog = bgp::RouteWatchdog::start(bgp);
  if (!watchdog) return watchdog.error();
  std::unique_ptr<NodeRoutes> routes(new NodeRoutes(io, std::move(*watchdog)));
  routes->reconfigure(bgp);
  return routes;
}

void NodeRoutes::reconfigure(const config::Bgp& bgp) {
  report(announcer_.configure(bgp), "load BIRD's configuration");
}

void NodeRoutes::announce(const std::set<IpAddr>& vips, const char* cause) {
  const auto before = announcer_.announced();
  if (vips == before && in_sync()) return;
  auto st = announcer_.announce(vips);
  if (vips != before) {
    std::set<IpAddr> added, removed;
    for (const auto& v : vips)
      if (!before.count(v)) added.insert(v);
    for (const auto& v : before)
      if (!vips.count(v)) removed.insert(v);
    spdlog::info("{}", event_line("routes_changed", {{"announce", list(added)},
                                                     {"withdraw", list(removed)},
                                                     {"announced", list(vips)},
                                                     {"cause", cause}}));
  }
  report(st, "reload BIRD with the new routes");
}

void NodeRoutes::report(const Status& st, const char* what) {
  if (st) {
    if (bird_was_down_) spdlog::info("{}", event_line("bird_reachable", {{"announced", list(announced())}}));
    bird_was_down_ = false;
    return;
  }
  // Said once per outage, not once a second.
  if (!bird_was_down_)
    spdlog::error("{}", event_line("bird_unreachable", {{"action", what},
                                                        {"error", st.error().message},
                                                        {"retry", "every 1s"}}));
  bird_was_down_ = true;
  schedule_retry();
}

void NodeRoutes::schedule_retry() {
  if (retrying_) return;
  retrying_ = true;
  retry_timer_.expires_after(kRetryInterval);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    retrying_ = false;
    if (ec) return;  // stopped
    report(announcer_.retry(), "reload BIRD");
  });
}

void NodeRoutes::stop() { retry_timer_.cancel(); }

std::string NodeRoutes::metrics(bool node_drained) const {
  metrics::Exposition e;
  e.declare("xlb_bgp_announced", metrics::MetricType::Gauge,
            "1 for each VIP address this node asks BIRD to announce (absent: withdrawn)");
  e.declare("xlb_bgp_bird_in_sync", metrics::MetricType::Gauge,
            "1 when BIRD confirmed the last routes, 0 while it does not answer (retried every second)");
  e.declare("xlb_node_drained", metrics::MetricType::Gauge, "1 while `xlb node drain` keeps the node's routes withdrawn");
  for (const auto& vip : announced()) e.add("xlb_bgp_announced", {{"vip", vip.str()}}, uint64_t{1});
  e.add("xlb_bgp_bird_in_sync", {}, uint64_t{in_sync() ? 1u : 0u});
  e.add("xlb_node_drained", {}, uint64_t{node_drained ? 1u : 0u});
  return e.render();
}

}  // namespace xlb::agent
