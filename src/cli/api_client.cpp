#include "cli/api_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

namespace xlb::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;

std::variant<Endpoint, std::string> Endpoint::parse(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0) return "endpoint " + url + ": https is not supported, use http://";
  if (url.rfind(scheme, 0) != 0) return "endpoint " + url + ": must start with http://";
  std::string rest = url.substr(scheme.size());
  Endpoint e;
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    e.base = rest.substr(slash);
    rest.resize(slash);
    while (!e.base.empty() && e.base.back() == '/') e.base.pop_back();
  }
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {  // [v6]:port
    const size_t close = rest.find(']');
    if (close == std::string::npos) return "endpoint " + url + ": unclosed [ in the address";
    e.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return "endpoint " + url + ": expected :port after ]";
      port_text = rest.substr(close + 2);
    }
  } else {
    const size_t colon = rest.find(':');
    e.host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
  }
  if (e.host.empty()) return "endpoint " + url + ": no host";
  if (!port_text.empty() || rest.ends_with(":")) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return "endpoint " + url + ": the port must be 1-65535";
    e.port = static_cast<uint16_t>(port);
  }
  return e;
}

std::string Endpoint::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + base;
}

ExitCode exit_code_for_status(unsigned status) {
  if (status < 400) return ExitCode::ok;
  if (status == 401 || status == 403) return ExitCode::auth;
  if (status == 404) return ExitCode::not_found;
  if (status == 409) return ExitCode::conflict;
  if (status < 500) return ExitCode::rejected;
  return ExitCode::server;
}

namespace {

std::string describe(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::connection_refused) return "connection refused (is xlb-controller running there?)";
  if (ec == beast::error::timeout) return "no answer in time (--timeout)";
  return ec.message();
}

// The API's answer as an error: its faultstring when it sent a fault body.
ApiError api_error(unsigned status, const json& body, const std::string& raw) {
  ApiError e{exit_code_for_status(status), status, {}};
  if (body.is_object() && body.contains("faultstring") && body["faultstring"].is_string())
    e.message = body["faultstring"].get<std::string>();
  else
    e.message = raw.empty() ? "(no body)" : raw.substr(0, 200);
  e.message = "HTTP " + std::to_string(status) + ": " + e.message;
  return e;
}

}  // namespace

std::variant<ApiReply, ApiError> ApiClient::call(const std::string& method, const std::string& path_and_query,
                                                 const json& body) const {
  const std::string where = endpoint_.str();
  auto unreachable = [&](const std::string& what) {
    return ApiError{ExitCode::unreachable, 0, "cannot reach xlb-controller at " + where + ": " + what};
  };
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto addresses = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
  if (ec) return unreachable("cannot resolve " + endpoint_.host + ": " + ec.message());
  stream.expires_after(timeout_);
  stream.connect(addresses, ec);
  if (ec) return unreachable(describe(ec));

  http::request<http::string_body> req{http::string_to_verb(method), endpoint_.base + path_and_query, 11};
  req.set(http::field::host, endpoint_.host + ":" + std::to_string(endpoint_.port));
  req.set(http::field::user_agent, "xlb-cli");
  req.set(http::field::accept, "application/json");
  if (!token_.empty()) req.set("X-Auth-Token", token_);
  if (!body.is_null()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body.dump();
  }
  req.prepare_payload();
  stream.expires_after(timeout_);
  http::write(stream, req, ec);
  if (ec) return unreachable("sending the request: " + describe(ec));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);  // a revision carries the whole desired state
  stream.expires_after(timeout_);
  http::read(stream, buffer, parser, ec);
  if (ec == beast::error::timeout) return unreachable(describe(ec));
  if (ec) return ApiError{ExitCode::bad_answer, 0, where + " did not answer in HTTP: " + ec.message()};
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);

  const auto& res = parser.get();
  const unsigned status = res.result_int();
  const std::string& text = res.body();
  json parsed = text.empty() ? json() : json::parse(text, nullptr, false);
  if (status >= 300) {
    if (parsed.is_discarded()) parsed = nullptr;
    return api_error(status, parsed, text);
  }
  if (parsed.is_discarded() || (!text.empty() && !parsed.is_object()))
    return ApiError{ExitCode::bad_answer, status,
                    where + " answered HTTP " + std::to_string(status) +
                        " with a body that is not the API's JSON (is this xlb-controller?): " + text.substr(0, 120)};
  ApiReply reply{status, std::move(parsed), std::nullopt};
  auto rev = res.find("X-Xlb-Revision");
  if (rev != res.end()) {
    int64_t n = 0;
    const auto v = rev->value();
    if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc()) reply.revision = n;
  }
  return reply;
}

}  // namespace xlb::cli
