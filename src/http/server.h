// A small HTTP/1.1 server on the caller's io_context: no threads of its own,
// asynchronous, and bounded (header and body size, time per connection,
// connections at once), so a slow or hostile client costs little and never
// stops the event loop for long. It knows nothing about routes: every
// complete request goes to one handler, which answers at once or, for a
// long poll, later through a Reply (the connection waits meanwhile, with no
// timer of the server's running: the handler owns the wait).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/net.h"
#include "common/result.h"

namespace xlb::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // target up to '?'
  std::string query;   // after '?', still percent-encoded; empty when absent
  std::map<std::string, std::string, std::less<>> headers;  // names lower-cased
  std::string body;
  std::string peer;  // the client's address, without the port

  // The value of a header (name in lower case), empty when absent.
  std::string_view header(std::string_view lower_name) const;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow
};

using Handler = std::function<Response(const Request&)>;

// Answers the request it was given; only the first call counts, and a call
// after the client went away is harmless. Call it on the io_context's thread.
using Reply = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, Reply)>;

// Builds the answer to a request the server refused itself: 400 (not HTTP),
// 413 (too large) or 500 (the handler threw). `reason` is a short phrase.
using RejectFn = std::function<Response(unsigned status, std::string_view reason)>;

struct Limits {
  size_t max_header_bytes = 8192;            // request line and headers
  size_t max_body_bytes = 8192;              // the body alone
  std::chrono::milliseconds timeout{10000};  // per request read or response write; idle keep-alive too
  size_t max_connections = 32;               // more are closed at once
};

struct Options {
  Limits limits;
  std::string server_name = "xlb";  // the Server header
  std::string log_name = "http";    // prefixes this server's log lines
  RejectFn reject;                  // empty: a plain-text answer
};

class Server {
 public:
  // Binds and listens at once (a failure names the address), then serves
  // while the io_context runs.
  static Result<std::unique_ptr<Server>> start(boost::asio::io_context& io, const SocketAddress& listen,
                                               Handler handler, Options options = {});
  static Result<std::unique_ptr<Server>> start(boost::asio::io_context& io, const SocketAddress& listen,
                                               AsyncHandler handler, Options options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound address (with the real port when 0 was asked for).
  SocketAddress local_address() const;
  // Stops accepting and closes every open connection.
  void stop();

  struct Impl;

 private:
  explicit Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace xlb::http
