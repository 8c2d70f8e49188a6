#include "cli/node_drain.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "bgp/bird_config.h"
#include "config/admin_state.h"
#include "config/config.h"

namespace xlb::cli {

namespace {

// The routes the agent last asked BIRD to announce, from the file it writes.
Result<std::vector<std::string>> announced_routes(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("read " + path + " (has the agent started with this config?)", errno);
  std::vector<std::string> routes;
  std::string word;
  while (in >> word)
    if (word == "route" && in >> word) routes.push_back(word);
  return routes;
}

std::string joined(const std::vector<std::string>& routes) {
  std::string out;
  for (const auto& r : routes) out += (out.empty() ? "" : " ") + r;
  return out.empty() ? "nothing" : out;
}

}  // namespace

Result<std::string> node_drain(const NodeDrainRequest& r) {
  auto cfg = config::load_file(r.config_path);
  if (!cfg) return cfg.error();
  if (!cfg->bgp)
    return Error{r.config_path + " has no bgp: section: this node announces no routes, so there is nothing to drain"};
  const std::string admin_path = cfg->node.admin_state_file;
  auto admin = config::load_admin_state(admin_path);
  if (!admin) return admin.error();
  admin->node_drained = r.drain;
  if (auto st = config::save_admin_state(admin_path, *admin); !st) return st.error();

  const std::string routes_file = bgp::routes_path(*cfg->bgp);
  if (!r.drain) {
    auto routes = announced_routes(routes_file);
    if (!routes) return routes.error();
    return "undrained; the agent announces the VIPs it can serve again (now: " + joined(*routes) + ")";
  }
  // The agent reads the admin-state file within a second and rewrites the routes.
  const auto deadline = std::chrono::steady_clock::now() + r.wait;
  for (;;) {
    auto routes = announced_routes(routes_file);
    if (!routes) return routes.error();
    if (routes->empty()) return std::string("drained: every VIP route withdrawn; the node can be stopped");
    if (std::chrono::steady_clock::now() > deadline)
      return Error{"recorded in " + admin_path + ", but " + routes_file + " still announces " + joined(*routes) +
                   " after " + std::to_string(r.wait.count() / 1000) + " s: is xlb-agent running with " +
                   r.config_path + "?"};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace xlb::cli
