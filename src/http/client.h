// A minimal asynchronous HTTP/1.1 client on the caller's io_context: one
// request per connection, bounded by a deadline for the whole exchange, so
// a controller that hangs or vanishes costs the caller a timeout, never a
// blocked event loop. Plain http:// only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/result.h"

namespace xlb::http {

struct Url {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 80;
  std::string path;  // without a trailing '/', may be empty

  // "http://host[:port][/path]"; anything else is an error saying why.
  static Result<Url> parse(std::string_view text);
  std::string str() const;
};

struct ClientRequest {
  std::string method = "GET";
  std::string target;  // path and query, appended to the URL's path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds deadline{10000};  // connect, send and receive together
};

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

using ClientDone = std::function<void(Result<ClientResponse>)>;

// Sends `request` to `url` and calls `done` once, on the io_context's thread,
// with the answer or an error (no connection, timeout, malformed answer).
void fetch(boost::asio::io_context& io, const Url& url, ClientRequest request, ClientDone done);

}  // namespace xlb::http
