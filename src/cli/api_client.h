// A small synchronous HTTP/1.1 client for xlb-controller's REST API: one
// connection per request, a deadline on each request, JSON in and out. Every
// way a call can go wrong becomes an ApiError with a category that the CLI
// turns into its exit code, and a message an operator can act on.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

namespace xlb::cli {

// Where the controller is: "http://host[:port][/base]" (https is not served).
struct Endpoint {
  std::string host;
  uint16_t port = 9876;
  std::string base;  // a path prefix before /v2, without a trailing slash

  // An error message instead when `url` is not an http URL.
  static std::variant<Endpoint, std::string> parse(const std::string& url);
  std::string str() const;
};

// Exit codes of the API commands (docs/cli.md lists them).
enum class ExitCode : int {
  ok = 0,
  local = 1,         // bad value, config file, unknown or ambiguous name
  usage = 2,         // the command line did not parse
  unreachable = 3,   // connection refused, timed out, name not resolved
  bad_answer = 4,    // the answer was not HTTP or not the API's JSON
  auth = 5,          // 401 or 403
  not_found = 6,     // 404
  conflict = 7,      // 409
  rejected = 8,      // any other 4xx (400, 405, 413, ...)
  server = 9,        // 5xx
};

struct ApiError {
  ExitCode code = ExitCode::local;
  unsigned status = 0;  // the HTTP status when the API answered
  std::string message;
};

struct ApiReply {
  unsigned status = 0;
  nlohmann::json body;  // null for 204
  std::optional<int64_t> revision;  // X-Xlb-Revision of a change
};

// The exit code for an HTTP status the API answered with.
ExitCode exit_code_for_status(unsigned status);

class ApiClient {
 public:
  ApiClient(Endpoint endpoint, std::string token, std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)), token_(std::move(token)), timeout_(timeout) {}

  // `path_and_query` starts with "/v2/..."; `body` is sent as JSON unless null.
  // A 2xx answer is a reply; anything else, or no answer, is an ApiError
  // (the API's faultstring as its message when it sent one).
  std::variant<ApiReply, ApiError> call(const std::string& method, const std::string& path_and_query,
                                        const nlohmann::json& body = nullptr) const;

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

}  // namespace xlb::cli
