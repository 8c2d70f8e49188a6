// `xlb node drain|undrain`: take a whole L4 node out of the ECMP group for
// maintenance. The override goes into the agent's admin-state file; the agent
// withdraws every VIP route (BGP), the router moves the node's flows to the
// other nodes, which pick the same backends, and the node can then be
// stopped without breaking a connection.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace xlb::cli {

struct NodeDrainRequest {
  std::string config_path;  // the agent's config: admin_state_file and bgp.bird_config
  bool drain = true;
  std::chrono::milliseconds wait{10000};
};

// What the node announces once the agent applied it ("nothing", or the VIPs).
Result<std::string> node_drain(const NodeDrainRequest& request);

}  // namespace xlb::cli
