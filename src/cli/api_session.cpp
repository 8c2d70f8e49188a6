#include "cli/api_session.h"

#include <cstdlib>
#include <iostream>

#include "common/url.h"

namespace xlb::cli {

using nlohmann::json;

std::variant<Session, int> open_session(const ApiCommands::Options& options) {
  auto connection = resolve_connection(options.connection, [](const char* name) { return std::getenv(name); });
  if (!connection) return report({ExitCode::local, 0, connection.error().message});
  auto endpoint = Endpoint::parse(connection->endpoint);
  if (auto* why = std::get_if<std::string>(&endpoint))
    return report({ExitCode::local, 0, *why + " (from " + connection->endpoint_from + ")"});
  if (!(options.timeout_s > 0 && options.timeout_s <= 3600))
    return report({ExitCode::local, 0, "--timeout must be more than 0 and at most 3600 seconds"});
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  return Session{ApiClient(std::get<Endpoint>(endpoint), connection->token, timeout), options.json};
}

int report(const ApiError& e) {
  std::cerr << "xlb: " << e.message << "\n";
  return static_cast<int>(e.code);
}

std::variant<json, ApiError> list_all(const Session& s, const std::string& path, const std::string& plural) {
  json items = json::array();
  std::string next = path;
  // A next link repeats the query with a marker; a page cap bounds a
  // misbehaving server.
  for (int page = 0; !next.empty() && page < 10000; ++page) {
    auto reply = s.client.call("GET", next);
    if (auto* e = std::get_if<ApiError>(&reply)) return *e;
    const json& body = std::get<ApiReply>(reply).body;
    if (!body.contains(plural) || !body[plural].is_array())
      return ApiError{ExitCode::bad_answer, 200, "the answer to GET " + next + " has no " + plural + " list"};
    for (const auto& item : body[plural]) items.push_back(item);
    next.clear();
    for (const auto& link : body.value(plural + "_links", json::array())) {
      if (link.value("rel", "") != "next" || !link.contains("href") || !link["href"].is_string()) continue;
      // Absolute links: keep the path and query, our endpoint stays.
      const std::string href = link["href"];
      const size_t scheme = href.find("://");
      const size_t start = scheme == std::string::npos ? 0 : href.find('/', scheme + 3);
      if (start != std::string::npos) next = href.substr(start);
      const std::string& base = s.client.endpoint().base;
      if (!base.empty() && next.rfind(base, 0) == 0) next = next.substr(base.size());
    }
  }
  return items;
}

std::variant<std::string, ApiError> resolve(const Session& s, const ResourceSpec& spec,
                                            const std::string& collection_path, const std::string& name_or_id) {
  if (name_or_id.empty()) return ApiError{ExitCode::local, 0, "an empty " + spec.noun + " name or id"};
  for (const char* key : {"id", "name"}) {
    auto found = list_all(s, collection_path + "?" + key + "=" + percent_encode(name_or_id) + "&fields=id",
                          spec.plural);
    if (auto* e = std::get_if<ApiError>(&found)) return *e;
    const json& items = std::get<json>(found);
    if (items.size() == 1) return items[0].value("id", "");
    if (items.size() > 1) {
      std::string ids;
      for (const auto& item : items) ids += (ids.empty() ? "" : ", ") + item.value("id", "");
      return ApiError{ExitCode::local, 0,
                      std::to_string(items.size()) + " " + spec.noun + "s are named '" + name_or_id +
                          "': give the id (" + ids + ")"};
    }
  }
  return ApiError{ExitCode::not_found, 404, "no " + spec.noun + " is named '" + name_or_id + "' or has that id"};
}

void print(const Session& s, const json& body, const std::string& human) {
  if (s.json)
    std::cout << body.dump(2) << "\n";
  else
    std::cout << human;
}

}  // namespace xlb::cli
