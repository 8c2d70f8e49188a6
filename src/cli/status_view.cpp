#include "cli/status_view.h"

#include <vector>

#include "cli/table.h"

namespace xlb::cli {

using nlohmann::json;

namespace {

using Rows = std::vector<std::vector<std::string>>;

void add(Rows& rows, int depth, const std::string& kind, const json& node) {
  std::string what = node.value("name", "");
  if (node.contains("address"))
    what = cell_text(node["address"]) + ":" + cell_text(node.value("protocol_port", json())) +
           (what.empty() ? "" : " " + what);
  else if (node.contains("protocol_port"))
    what = cell_text(node["protocol"]) + "/" + cell_text(node["protocol_port"]) + (what.empty() ? "" : " " + what);
  rows.push_back({std::string(2 * depth, ' ') + kind, node.value("id", ""), what,
                  node.value("provisioning_status", ""), node.value("operating_status", "")});
}

void add_pool(Rows& rows, int depth, const json& pool) {
  add(rows, depth, "pool", pool);
  if (pool.contains("health_monitor") && pool["health_monitor"].is_object())
    add(rows, depth + 1, "healthmonitor", pool["health_monitor"]);
  for (const auto& m : pool.value("members", json::array())) add(rows, depth + 1, "member", m);
}

}  // namespace

std::string render_status_tree(const json& statuses) {
  const json lb = statuses.value("statuses", json::object()).value("loadbalancer", json::object());
  Rows rows;
  add(rows, 0, "loadbalancer", lb);
  for (const auto& listener : lb.value("listeners", json::array())) {
    add(rows, 1, "listener", listener);
    for (const auto& pool : listener.value("pools", json::array())) add_pool(rows, 2, pool);
  }
  for (const auto& pool : lb.value("pools", json::array())) add_pool(rows, 1, pool);
  return render_table({"resource", "id", "what", "provisioning_status", "operating_status"}, rows);
}

}  // namespace xlb::cli
