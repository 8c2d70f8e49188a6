// Placement: which L4 node group serves a load balancer. A group offers a
// capability (TCP, UDP, IPv6) when every agent registered in it does; a
// load balancer needs the protocols of its listeners, and IPv6 for an IPv6
// VIP. It stays on its group while that group can serve it, otherwise it
// moves to the group that can with the fewest load balancers (ties: by
// name), so placement is stable and deterministic. The group is stored in
// the load balancer's record (node_state.h, kPlacementGroup): part of the
// desired state, kept across restarts and restored by a rollback.
#pragma once

#include <map>
#include <set>
#include <string>

#include "controller/fault.h"
#include "controller/state.h"

namespace xlb::controller {

using Capabilities = std::set<std::string>;

// The capabilities this build knows, as agents advertise them.
inline const Capabilities& known_capabilities() {
  static const Capabilities all = {"TCP", "UDP", "IPv6"};
  return all;
}

struct GroupView {
  Capabilities capabilities;  // what every agent of the group offers
  size_t loadbalancers = 0;   // placed on it now
};
using Groups = std::map<std::string, GroupView>;

// What the load balancer `lb_id` needs in state `s`.
Capabilities needs(const State& s, const std::string& lb_id);

// The group for a load balancer with these needs, currently on `current`
// ("" when unplaced); a 400 naming what is needed and what each group
// offers when no group can serve it.
Outcome<std::string> choose_group(const Capabilities& needed, const Groups& groups, const std::string& current,
                                  const std::string& lb_id);

// Places `lb_id` in `s` (sets its record's group). No-op when `groups` is
// empty: a controller no agent has registered with yet places nothing.
Checked place(State& s, const std::string& lb_id, Groups groups);

std::string join(const Capabilities& c);

}  // namespace xlb::controller
