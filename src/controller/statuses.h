// Statuses from what the agents really did. Provisioning status: a load
// balancer (and everything under it) is ACTIVE once every agent of its
// group that is not OFFLINE has applied a revision at or after the last
// one that changed what its nodes serve; ERROR when one of them failed to
// apply such a revision; PENDING_CREATE or PENDING_UPDATE until then (also
// while its group has no agent online). Operating status follows the health
// the agents report for the members (render.h combines it upwards).
//
// Without any registered agent (a controller alone) nothing can be
// observed: a committed change is taken as applied, as before agents.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "controller/agents.h"
#include "controller/state.h"

namespace xlb::controller {

class Statuses {
 public:
  explicit Statuses(Agents& agents) : agents_(agents) {}

  // The revision the controller started at: what changed before it is
  // taken as changed then (nothing older is known after a restart).
  void opened(int64_t revision) { baseline_ = revision; }
  // After each commit: which load balancers' nodes must act.
  void committed(const State& before, const State& after, int64_t revision);

  bool observing() const { return !agents_.empty(); }
  std::string provisioning(const std::string& lb_id, const State& s) const;
  // A member's health as its group's agents report it: "up", "down", or
  // nullopt when none has probed it.
  std::optional<std::string> member_health(const json& member, const State& s) const;

 private:
  int64_t changed_at(const std::string& lb_id) const;

  Agents& agents_;
  int64_t baseline_ = 0;
  std::map<std::string, int64_t> changed_at_;  // load balancer id -> revision
};

}  // namespace xlb::controller
