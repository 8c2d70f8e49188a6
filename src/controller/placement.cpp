#include "controller/placement.h"

#include <algorithm>

#include "controller/node_state.h"

namespace xlb::controller {

std::string join(const Capabilities& c) {
  std::string out;
  for (const auto& x : c) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "nothing" : out;
}

Capabilities needs(const State& s, const std::string& lb_id) {
  Capabilities out;
  const json* lb = s.find(Kind::loadbalancer, lb_id);
  if (!lb) return out;
  if (lb->at("vip_address").get_ref<const std::string&>().find(':') != std::string::npos) out.insert("IPv6");
  for (const json* l : s.children(Kind::listener, "loadbalancer_id", lb_id))
    out.insert(l->at("protocol").get<std::string>());
  return out;
}

Outcome<std::string> choose_group(const Capabilities& needed, const Groups& groups, const std::string& current,
                                  const std::string& lb_id) {
  auto fits = [&](const GroupView& g) {
    return std::includes(g.capabilities.begin(), g.capabilities.end(), needed.begin(), needed.end());
  };
  if (auto it = groups.find(current); it != groups.end() && fits(it->second)) return current;
  const std::string* best = nullptr;
  size_t best_load = 0;
  for (const auto& [name, g] : groups) {  // in name order: the first of equals wins
    if (!fits(g)) continue;
    if (!best || g.loadbalancers < best_load) {
      best = &name;
      best_load = g.loadbalancers;
    }
  }
  if (best) return *best;
  std::string offered;
  for (const auto& [name, g] : groups) offered += (offered.empty() ? "" : "; ") + name + " (" + join(g.capabilities) + ")";
  return bad_request("No L4 node group can serve Load Balancer " + lb_id + ": it needs " + join(needed) +
                     ", and the groups offer: " + offered);
}

Checked place(State& s, const std::string& lb_id, Groups groups) {
  if (groups.empty()) return Done{};
  json* lb = s.find(Kind::loadbalancer, lb_id);
  if (!lb) return Done{};
  const std::string current = lb->value(kPlacementGroup, "");
  for (const auto& [id, other] : s.collection(Kind::loadbalancer).items()) {
    if (id == lb_id) continue;
    auto it = groups.find(other.value(kPlacementGroup, ""));
    if (it != groups.end()) ++it->second.loadbalancers;
  }
  auto group = choose_group(needs(s, lb_id), groups, current, lb_id);
  if (!group) return group.fault();
  (*lb)[kPlacementGroup] = *group;
  return Done{};
}

}  // namespace xlb::controller
