#include "controller/auth.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "config/diagnostics.h"

namespace xlb::controller {

namespace {

constexpr size_t kMinTokenLength = 16;

int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

bool printable_without_spaces(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

bool is_project_id(std::string_view s) {
  return !s.empty() && s.size() <= 255 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

// A scalar string field of a token entry, or an error on the diagnostics.
std::string scalar(const YAML::Node& entry, const char* key, const std::string& path, config::Diagnostics& diag) {
  const YAML::Node value = entry[key];
  if (!value) {
    diag.error(line_of(entry), path, std::string("missing '") + key + "'");
    return {};
  }
  if (!value.IsScalar()) {
    diag.error(line_of(value), path + "." + key, "must be a string");
    return {};
  }
  return value.Scalar();
}

}  // namespace

Result<Tokens> Tokens::parse(std::string_view text, const std::string& source_name) {
  config::Diagnostics diag(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    diag.error(e.mark.line + 1, "", e.msg);
    return diag.to_error();
  }
  if (!root.IsMap() || !root["tokens"] || !root["tokens"].IsSequence() || root["tokens"].size() == 0) {
    diag.error(root ? line_of(root) : 0, "", "expected a map with a non-empty list 'tokens'");
    return diag.to_error();
  }
  for (const auto& kv : root) {
    if (kv.first.Scalar() != "tokens") diag.error(line_of(kv.first), kv.first.Scalar(), "unknown key");
  }
  Tokens out;
  std::set<std::string> names;
  size_t index = 0;
  for (const YAML::Node& entry : root["tokens"]) {
    const std::string path = "tokens[" + std::to_string(index++) + "]";
    if (!entry.IsMap()) {
      diag.error(line_of(entry), path, "must be a map with token, name and project_id");
      continue;
    }
    for (const auto& kv : entry) {
      const std::string& key = kv.first.Scalar();
      if (key != "token" && key != "name" && key != "project_id" && key != "roles")
        diag.error(line_of(kv.first), path + "." + key, "unknown key (known: token, name, project_id, roles)");
    }
    const size_t errors_before = diag.count();
    Identity id;
    const std::string token = scalar(entry, "token", path, diag);
    id.name = scalar(entry, "name", path, diag);
    id.project_id = scalar(entry, "project_id", path, diag);
    if (diag.count() != errors_before) continue;
    if (token.size() < kMinTokenLength || !printable_without_spaces(token))
      diag.error(line_of(entry["token"]), path + ".token",
                 "must be at least 16 printable characters without spaces (the name is not shown here)");
    if (id.name.empty() || id.name.size() > 64 || !printable_without_spaces(id.name))
      diag.error(line_of(entry["name"]), path + ".name", "must be 1 to 64 printable characters without spaces");
    else if (!names.insert(id.name).second)
      diag.error(line_of(entry["name"]), path + ".name", "'" + id.name + "' is used twice");
    if (!is_project_id(id.project_id))
      diag.error(line_of(entry["project_id"]), path + ".project_id",
                 "must be 1 to 255 letters, digits, '-' or '_'");
    if (const YAML::Node roles = entry["roles"]) {
      if (!roles.IsSequence()) {
        diag.error(line_of(roles), path + ".roles", "must be a list such as [admin]");
      } else {
        for (const YAML::Node& role : roles) {
          if (role.IsScalar() && role.Scalar() == "admin")
            id.admin = true;
          else if (role.IsScalar() && role.Scalar() == "agent")
            id.agent = true;
          else if (!role.IsScalar() || role.Scalar() != "member")
            diag.error(line_of(role), path + ".roles", "unknown role (known: admin, member, agent)");
        }
      }
    }
    if (id.admin && id.agent)
      diag.error(line_of(entry["roles"]), path + ".roles", "an agent token cannot also be admin: give each its own");
    if (out.by_token_.count(token))
      diag.error(line_of(entry["token"]), path + ".token", "the same token is given twice");
    out.by_token_.emplace(token, std::move(id));
  }
  if (!diag.empty()) return diag.to_error();
  return out;
}

Result<Tokens> Tokens::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("cannot read the token file " + path, errno);
  std::stringstream text;
  text << in.rdbuf();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
    spdlog::warn("auth: {} is readable by other users (mode {:o}): chmod 600 it", path, st.st_mode & 0777);
  return parse(text.str(), path);
}

const Identity* Tokens::find(std::string_view token) const {
  auto it = by_token_.find(std::string(token));
  return it == by_token_.end() ? nullptr : &it->second;
}

}  // namespace xlb::controller
