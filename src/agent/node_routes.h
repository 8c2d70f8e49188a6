// The agent's BGP side: which VIPs this node announces through its local BIRD,
// and when. A VIP is announced once the data plane serves it (XDP attached, a
// ring with an active backend) and withdrawn when that stops being true, when
// the operator drains the node, and when the agent stops or dies (watchdog).
// A BIRD that does not answer is retried every second; nothing waits for it.
#pragma once

#include <memory>
#include <set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgp/announcer.h"
#include "bgp/watchdog.h"
#include "common/net.h"
#include "common/result.h"
#include "config/config.h"
#include "metrics/exposition.h"

namespace xlb::agent {

class NodeRoutes {
 public:
  // Takes the routes lock and forks the watchdog, writes BIRD's config with
  // nothing announced yet, and asks BIRD to load it (a BIRD not yet running
  // is fine: it reads the files when it starts).
  static Result<std::unique_ptr<NodeRoutes>> start(boost::asio::io_context& io, const config::Bgp& bgp);

  // New peers or timers (reload).
  void reconfigure(const config::Bgp& bgp);
  // Announce exactly `vips`; `cause` and `why` go to the log.
  void announce(const std::set<IpAddr>& vips, const char* cause);
  const std::set<IpAddr>& announced() const { return announcer_.announced(); }
  bool in_sync() const { return !announcer_.pending(); }
  // Stops the retry timer; the watchdog goes with the object.
  void stop();
  // xlb_bgp_announced{vip}, xlb_bgp_bird_in_sync and xlb_node_drained, for /metrics.
  std::string metrics(bool node_drained) const;

 private:
  NodeRoutes(boost::asio::io_context& io, std::unique_ptr<bgp::RouteWatchdog> watchdog)
      : retry_timer_(io), watchdog_(std::move(watchdog)) {}
  void report(const Status& st, const char* what);
  void schedule_retry();

  bgp::RouteAnnouncer announcer_;
  boost::asio::steady_timer retry_timer_;
  std::unique_ptr<bgp::RouteWatchdog> watchdog_;
  bool retrying_ = false;
  bool bird_was_down_ = false;
};

}  // namespace xlb::agent
