// BIRD 2 configuration written by the agent: the node's BGP sessions (from
// the `bgp:` section) and, in a file of its own, the VIP routes to announce.
// BIRD cannot `include` inside a protocol block, so the routes file holds the
// whole static protocols; the main config includes it.
#pragma once

#include <set>
#include <string>

#include "common/net.h"
#include "config/config.h"

namespace xlb::bgp {

// The static protocols whose routes the sessions export.
inline constexpr const char* kStaticProtocol4 = "xlb_vips4";
inline constexpr const char* kStaticProtocol6 = "xlb_vips6";

// xlb-routes.conf beside the main config.
std::string routes_path(const config::Bgp& bgp);

std::string render_bird_config(const config::Bgp& bgp);
// One /32 or /128 per VIP address; both protocols exist even when empty, so
// that a withdraw is the same reconfiguration as an announce.
std::string render_routes(const std::set<IpAddr>& vips);

}  // namespace xlb::bgp
