// A small HTTP/1.1 server for /metrics and /healthz on the caller's
// io_context: no threads of its own, asynchronous, and bounded (request
// size, time per connection, connections at once), so a slow or hostile
// client costs little and never stops the agent's event loop for long.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/net.h"
#include "common/result.h"

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

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace xlb::metrics
