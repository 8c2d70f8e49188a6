#include "agent/desired_state.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/system.h"

namespace xlb::agent {

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("cannot read " + path, errno);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<Desired> parse_desired(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Error{"the desired state is not JSON"};
  if (doc.is_object() && doc.contains("desired")) doc = doc.at("desired");
  if (!doc.is_object() || !doc.contains("revision") || !doc.at("revision").is_number_integer() ||
      !doc.contains("vips") || !doc.at("vips").is_array())
    return Error{"the desired state must be an object with a revision number and a list of vips"};
  return Desired{doc.at("revision").get<int64_t>(), std::move(doc)};
}

Result<config::Config> local_config(const std::string& local_path) {
  auto cfg = config::load_file(local_path);
  if (!cfg) return cfg.error();
  if (!cfg->vips.empty())
    return Error{local_path + ": in controller mode the VIPs come from the controller; remove the vips section"};
  return cfg;
}

Result<config::Config> config_with(const std::string& local_path, const Desired& desired) {
  auto text = read_text(local_path);
  if (!text) return text.error();
  YAML::Node root;
  try {
    root = YAML::Load(*text);
    if (!root.IsMap()) return Error{local_path + ": expected a map with a node section"};
    if (root["vips"] && root["vips"].size() != 0)
      return Error{local_path + ": in controller mode the VIPs come from the controller; remove the vips section"};
    // JSON is YAML: the controller's VIPs join the document as they are.
    root["vips"] = YAML::Load(desired.document.at("vips").dump());
  } catch (const YAML::Exception& e) {
    return Error{local_path + ": " + e.msg};
  }
  YAML::Emitter out;
  out << root;
  return config::parse(out.c_str(), "revision " + std::to_string(desired.revision));
}

Status save_desired(const std::string& path, const Desired& desired) {
  return write_file_atomically(path, desired.document.dump() + "\n");
}

Result<std::optional<Desired>> load_desired(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) {
    if (errno == ENOENT) return std::optional<Desired>();
    return errno_error("cannot read " + path, errno);
  }
  auto text = read_text(path);
  if (!text) return text.error();
  auto d = parse_desired(*text);
  if (!d) return d.error().context(path);
  return std::optional<Desired>(std::move(*d));
}

}  // namespace xlb::agent
