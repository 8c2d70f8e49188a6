// The agent's /metrics and /healthz, served by the shared HTTP server
// (http/server.h) on the caller's io_context, bounded in request size, time
// per connection and connections at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/net.h"
#include "common/result.h"
#include "http/server.h"

namespace xlb::metrics {

struct ServerLimits {
  size_t max_request_bytes = 8192;  // request line, headers and body together
  std::chrono::milliseconds timeout{10000};  // per request read or response write; idle keep-alive too
  size_t max_connections = 32;  // more are closed at once
};

// Produces the /metrics body; an error becomes a 500 with its message.
using ScrapeFn = std::function<Result<std::string>()>;

class HttpServer {
 public:
  // Binds and listens at once (a failure names the address), then serves
  // while the io_context runs.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, const SocketAddress& listen,
                                                   ScrapeFn scrape, ServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address (with the real port when 0 was asked for).
  SocketAddress local_address() const;
  // Stops accepting and closes every open connection.
  void stop();


 private:
  explicit HttpServer(std::unique_ptr<http::Server> server) : server_(std::move(server)) {}
  std::unique_ptr<http::Server> server_;
};

}  // namespace xlb::metrics
