// Keeps a local BIRD announcing exactly the VIPs this node can serve. The
// agent decides which (servable_vips); the announcer writes BIRD's files and
// asks BIRD to reload, and remembers when BIRD did not answer so that the
// agent can try again: a dead BIRD is retried, never waited for.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/net.h"
#include "common/result.h"
#include "config/config.h"
#include "l4/service.h"

namespace xlb::bgp {

// The VIP addresses worth announcing: those with at least one service that
// has an active backend of non-zero weight. A VIP whose every backend is down
// or draining would only refuse new connections here; another node may do
// better, so it is withdrawn.
std::set<IpAddr> servable_vips(const std::vector<l4::ServiceSpec>& services);

class RouteAnnouncer {
 public:
  // Writes BIRD's main config for `bgp` and asks BIRD to reload; the routes
  // file is created empty if this announcer has announced nothing yet.
  Status configure(const config::Bgp& bgp);
  // Makes BIRD announce exactly `vips` (nothing to do when it already does).
  Status announce(const std::set<IpAddr>& vips);
  // The files are written but BIRD has not confirmed them: ask again.
  bool pending() const { return pending_; }
  Status retry();
  const std::set<IpAddr>& announced() const { return announced_; }

 private:
  Status reload_bird();

  config::Bgp bgp_;
  std::set<IpAddr> announced_;  // what the routes file holds
  bool routes_written_ = false;
  bool pending_ = false;
};

}  // namespace xlb::bgp
