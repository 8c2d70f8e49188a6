// Operator overrides made at run time (`xlb l4 drain`), kept in a small JSON
// file next to the config so that they survive an agent restart. The agent
// reads it again whenever it changes; the CLI writes it atomically.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "common/net.h"
#include "common/result.h"
#include "config/config.h"

namespace xlb::config {

struct AdminState {
  // (VIP service label as vip_label() prints it, backend address) -> state.
  std::map<std::pair<std::string, IpAddr>, BackendState> backends;
  // `xlb node drain`: the node withdraws every VIP route (BGP) so that the
  // router sends it nothing new, and can then be stopped safely.
  bool node_drained = false;
  bool operator==(const AdminState&) const = default;
};

// A missing file is an empty AdminState; a malformed one is an error naming
// the file and what is wrong (the agent then keeps the overrides it had).
Result<AdminState> load_admin_state(const std::string& path);
// Written to a temporary file and renamed over `path`: a reader never sees half.
Status save_admin_state(const std::string& path, const AdminState& state);

// The state an operator sees for a backend: the stricter of the config's
// state and the override (down > draining > active).
BackendState stricter(BackendState a, BackendState b);

}  // namespace xlb::config
