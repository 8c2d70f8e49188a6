// How `xlb revision` shows history: the changes between two desired states
// (the same entries the controller's revision diff has: create, delete,
// update with the changed fields) and those changes as a table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xlb::cli {

// Changes from the state document `before` to `after` (each {"loadbalancers":
// {id: record}, ...}), load balancers first, then listeners, pools, members,
// health monitors; by id within a kind.
nlohmann::json state_changes(const nlohmann::json& before, const nlohmann::json& after);

// The change entries as a table: action, kind, id, what changed ("no changes"
// when there are none).
std::string render_changes(const nlohmann::json& changes);

}  // namespace xlb::cli
