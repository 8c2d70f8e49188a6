// `xlb lb status`: the /status tree of a load balancer as a table, each
// child indented under its parent (listeners, their pools, each pool's
// health monitor and members; then pools no listener uses).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xlb::cli {

// `statuses` is the API's {"statuses": {"loadbalancer": {...}}}.
std::string render_status_tree(const nlohmann::json& statuses);

}  // namespace xlb::cli
