// What every API command does alike: connect with the resolved endpoint and
// token, report an ApiError as "xlb: ..." with its exit code, fetch whole
// lists across pages, and turn a name or id into an id.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "cli/api_client.h"
#include "cli/api_commands.h"
#include "cli/api_resources.h"

namespace xlb::cli {

struct Session {
  ApiClient client;
  bool json = false;
};

// The session for `options`, or the exit code after printing why not.
std::variant<Session, int> open_session(const ApiCommands::Options& options);

// Prints "xlb: <message>" on stderr and returns the error's exit code.
int report(const ApiError& e);

// GET `path` (with its query) and every next page; the items of `plural`.
std::variant<nlohmann::json, ApiError> list_all(const Session& s, const std::string& path, const std::string& plural);

// The id of the `spec` resource in `collection_path` whose id or name is
// `name_or_id`: an error when none matches or several share the name.
std::variant<std::string, ApiError> resolve(const Session& s, const ResourceSpec& spec,
                                            const std::string& collection_path, const std::string& name_or_id);

// Prints a reply body: indented JSON with --json, else `human`.
void print(const Session& s, const nlohmann::json& body, const std::string& human);

}  // namespace xlb::cli
