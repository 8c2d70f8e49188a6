#include "controller/statuses.h"

#include "controller/node_state.h"

namespace xlb::controller {

void Statuses::committed(const State& before, const State& after, int64_t revision) {
  for (const auto& [id, lb] : after.collection(Kind::loadbalancer).items()) {
    const json* old = before.find(Kind::loadbalancer, id);
    if (!old || loadbalancer_projection(before, *old) != loadbalancer_projection(after, lb)) changed_at_[id] = revision;
  }
  for (auto it = changed_at_.begin(); it != changed_at_.end();) {
    it = after.find(Kind::loadbalancer, it->first) ? std::next(it) : changed_at_.erase(it);
  }
}

int64_t Statuses::changed_at(const std::string& lb_id) const {
  auto it = changed_at_.find(lb_id);
  return it == changed_at_.end() ? baseline_ : it->second;
}

std::string Statuses::provisioning(const std::string& lb_id, const State& s) const {
  if (!observing()) return "ACTIVE";
  const json* lb = s.find(Kind::loadbalancer, lb_id);
  if (!lb) return "ACTIVE";
  const std::string group = lb->value(kPlacementGroup, "");
  const int64_t needed = changed_at(lb_id);
  const int64_t created = lb->value("created_revision", int64_t{0});
  bool any_online = false, all_applied = true, ever_applied = false, failed = false;
  const auto now = Clock::now();
  for (const auto& [name, a] : agents_.all()) {
    if (a.group != group || !agents_.online(a, now)) continue;
    any_online = true;
    const int64_t applied = a.applied_revision.value_or(0);
    if (applied < needed) all_applied = false;
    if (applied >= created) ever_applied = true;
    if (!a.error.empty() && a.error_revision.value_or(0) >= needed) failed = true;
  }
  if (failed) return "ERROR";
  if (any_online && all_applied) return "ACTIVE";
  return ever_applied ? "PENDING_UPDATE" : "PENDING_CREATE";
}

std::optional<std::string> Statuses::member_health(const json& member, const State& s) const {
  if (!observing()) return std::nullopt;
  const std::string lb_id = loadbalancer_of(Kind::member, member, s);
  const json* lb = s.find(Kind::loadbalancer, lb_id);
  if (!lb) return std::nullopt;
  const std::string group = lb->value(kPlacementGroup, "");
  const std::string& pool_id = member.at("pool_id").get_ref<const std::string&>();
  const std::string& address = member.at("address").get_ref<const std::string&>();
  std::optional<std::string> verdict;
  const auto now = Clock::now();
  for (const json* listener : s.children(Kind::listener, "default_pool_id", pool_id)) {
    const std::string& listener_id = listener->at("id").get_ref<const std::string&>();
    for (const auto& [name, a] : agents_.all()) {
      if (a.group != group || !agents_.online(a, now)) continue;
      auto it = a.health.find({listener_id, address});
      if (it == a.health.end() || it->second == "unknown") continue;
      // One node that cannot reach a member is enough to call it down.
      if (it->second == "down") return std::string("down");
      verdict = "up";
    }
  }
  return verdict;
}

}  // namespace xlb::controller
