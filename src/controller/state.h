// The desired state: every resource of every project, as one JSON document
// {"loadbalancers": {id: record}, "listeners": {...}, "pools": {...},
//  "members": {...}, "healthmonitors": {...}}.
// A record holds what the API accepted (with defaults filled in), its id,
// project_id, parent ids and timestamps; everything derived (statuses, child
// lists) is computed when rendered, so a revision stores only intent.
// Objects keep their keys sorted, so the same state always serializes to
// the same text.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace xlb::controller {

using json = nlohmann::json;

enum class Kind { loadbalancer, listener, pool, member, healthmonitor };

struct KindNames {
  Kind kind;
  std::string_view singular;  // the body key: "loadbalancer"
  std::string_view plural;    // the collection: "loadbalancers"
  std::string_view label;     // in messages: "Load Balancer"
};

inline constexpr std::array<KindNames, 5> kKinds = {{
    {Kind::loadbalancer, "loadbalancer", "loadbalancers", "Load Balancer"},
    {Kind::listener, "listener", "listeners", "Listener"},
    {Kind::pool, "pool", "pools", "Pool"},
    {Kind::member, "member", "members", "Member"},
    {Kind::healthmonitor, "healthmonitor", "healthmonitors", "Health Monitor"},
}};

const KindNames& names(Kind k);

class State {
 public:
  State();
  // Reads a stored document; a missing collection is empty.
  static Result<State> parse(std::string_view text);
  std::string serialize() const;

  const json& collection(Kind k) const;
  json& collection(Kind k);
  // The record with this id, or null.
  const json* find(Kind k, const std::string& id) const;
  json* find(Kind k, const std::string& id);
  // Records of kind k whose field `key` equals `value` (e.g. members of a pool), by id.
  std::vector<const json*> children(Kind k, std::string_view key, const std::string& value) const;

  const json& document() const { return doc_; }
  bool operator==(const State& other) const { return doc_ == other.doc_; }

 private:
  json doc_;
};

}  // namespace xlb::controller
