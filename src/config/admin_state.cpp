#include "config/admin_state.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/system.h"

namespace xlb::config {

namespace {
constexpr int kFormatVersion = 1;

Result<BackendState> state_named(const std::string& name) {
  for (BackendState s : {BackendState::Active, BackendState::Draining, BackendState::Down})
    if (backend_state_name(s) == name) return s;
  return Error{"unknown state '" + name + "' (expected active, draining or down)"};
}
}  // namespace

BackendState stricter(BackendState a, BackendState b) { return static_cast<uint8_t>(a) > static_cast<uint8_t>(b) ? a : b; }

Result<AdminState> load_admin_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return AdminState{};
    return errno_error("read admin state " + path, errno);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) { return Error{"admin state " + path + ": " + why}; };
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  if (doc.value("version", 0) != kFormatVersion) return bad("unknown format version (this agent reads 1)");
  const auto& list = doc["backends"];
  if (!list.is_array()) return bad("'backends' must be a list");
  AdminState out;
  for (const auto& item : list) {
    if (!item.is_object() || !item["vip"].is_string() || !item["backend"].is_string() || !item["state"].is_string())
      return bad("every backend entry needs the strings vip, backend and state");
    auto addr = IpAddr::parse(item["backend"].get<std::string>());
    if (!addr) return bad(addr.error().message);
    auto state = state_named(item["state"].get<std::string>());
    if (!state) return bad(state.error().message);
    out.backends[{item["vip"].get<std::string>(), *addr}] = *state;
  }
  if (doc.contains("node")) {
    const auto& node = doc["node"];
    if (!node.is_object() || (node.contains("drained") && !node["drained"].is_boolean()))
      return bad("'node' must be an object with a boolean 'drained'");
    out.node_drained = node.value("drained", false);
  }
  return out;
}

Status save_admin_state(const std::string& path, const AdminState& state) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, s] : state.backends)
    list.push_back({{"vip", key.first}, {"backend", key.second.str()}, {"state", backend_state_name(s)}});
  nlohmann::json doc{{"version", kFormatVersion}, {"node", {{"drained", state.node_drained}}}, {"backends", list}};
  return write_file_atomically(path, doc.dump(2) + "\n");
}

}  // namespace xlb::config
