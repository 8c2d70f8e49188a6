#include "cli/api_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace xlb::cli {

namespace {

struct FileSettings {
  std::optional<std::string> endpoint;
  std::optional<std::string> token;
};

std::string at_line(const std::string& path, const YAML::Node& node) {
  return path + ":" + std::to_string(node.Mark().line + 1);
}

Result<FileSettings> read_config(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Error{path + ": cannot read the CLI config file"};
  } catch (const YAML::Exception& e) {
    return Error{path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  FileSettings out;
  if (root.IsNull()) return out;
  if (!root.IsMap()) return Error{at_line(path, root) + ": expected a mapping with endpoint and token"};
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    const YAML::Node& value = item.second;
    if (key != "endpoint" && key != "token")
      return Error{at_line(path, item.first) + ": unknown key " + key + " (expected endpoint, token)"};
    if (!value.IsScalar() || value.Scalar().empty())
      return Error{at_line(path, value) + ": " + key + " must be a non-empty string"};
    (key == "endpoint" ? out.endpoint : out.token) = value.Scalar();
  }
  return out;
}

}  // namespace

std::string default_config_path(const std::function<const char*(const char*)>& getenv) {
  const char* xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/xlb/cli.yaml";
  const char* home = getenv("HOME");
  if (home && *home) return std::string(home) + "/.config/xlb/cli.yaml";
  return "";
}

Result<Connection> resolve_connection(const ConnectionFlags& flags,
                                      const std::function<const char*(const char*)>& getenv) {
  FileSettings file;
  std::string file_path = flags.config_file.value_or(default_config_path(getenv));
  if (flags.config_file || (!file_path.empty() && std::filesystem::exists(file_path))) {
    auto read = read_config(file_path);
    if (!read) return read.error();
    file = *read;
  }
  auto pick = [&](const std::optional<std::string>& flag, const char* flag_name, const char* env_name,
                  const std::optional<std::string>& from_file, std::string fallback, const char* fallback_name,
                  std::string& value, std::string& source) {
    const char* env = getenv(env_name);
    if (flag) {
      value = *flag;
      source = flag_name;
    } else if (env && *env) {
      value = env;
      source = env_name;
    } else if (from_file) {
      value = *from_file;
      source = file_path;
    } else {
      value = std::move(fallback);
      source = fallback_name;
    }
  };
  Connection c;
  pick(flags.endpoint, "--endpoint", "XLB_ENDPOINT", file.endpoint, kDefaultEndpoint, "default", c.endpoint,
       c.endpoint_from);
  pick(flags.token, "--token", "XLB_TOKEN", file.token, "", "none", c.token, c.token_from);
  return c;
}

}  // namespace xlb::cli
