#include "http/client.h"

#include <charconv>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace xlb::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

Result<Url> Url::parse(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme)) return Error{"'" + std::string(text) + "' is not an http:// URL"};
  text.remove_prefix(scheme.size());
  const size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  Url out;
  if (slash != std::string_view::npos) out.path = std::string(text.substr(slash));
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"unclosed '[' in the URL's host"};
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Error{"expected ':' after ']' in the URL"};
      port_text = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Error{"the URL has no host"};
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return Error{"invalid port '" + std::string(port_text) + "' in the URL"};
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

std::string Url::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + path;
}

namespace {

// One exchange; keeps itself alive through its handlers.
struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::io_context& io, ClientDone done) : resolver(io), stream(io), done(std::move(done)) {}

  void finish(Result<ClientResponse> r) {
    if (!done) return;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    auto d = std::move(done);
    done = nullptr;
    d(std::move(r));
  }
  void fail(const char* step, const beast::error_code& ec) {
    finish(Error{std::string(step) + " " + url.str() + ": " + ec.message()});
  }

  void start(const Url& u, ClientRequest r) {
    url = u;
    request.method_string(r.method);
    request.target(u.path + r.target);
    request.version(11);
    const bool v6 = u.host.find(':') != std::string::npos;
    request.set(bhttp::field::host, (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port));
    request.set(bhttp::field::user_agent, "xlb-agent");
    request.set(bhttp::field::connection, "close");
    for (const auto& [name, value] : r.headers) request.set(name, value);
    if (!r.body.empty() || r.method == "PUT" || r.method == "POST") request.body() = std::move(r.body);
    request.prepare_payload();
    stream.expires_after(r.deadline);
    resolver.async_resolve(u.host, std::to_string(u.port),
                           [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type found) {
                             if (ec) return self->fail("resolving", ec);
                             self->stream.async_connect(found, [self](beast::error_code ec2, const tcp::endpoint&) {
                               if (ec2) return self->fail("connecting to", ec2);
                               self->send();
                             });
                           });
  }

  void send() {
    bhttp::async_write(stream, request, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->fail("sending to", ec);
      self->parser.body_limit(64 * 1024 * 1024);
      bhttp::async_read(self->stream, self->buffer, self->parser, [self](beast::error_code ec2, size_t) {
        if (ec2) return self->fail("reading the answer of", ec2);
        self->finish(ClientResponse{self->parser.get().result_int(), std::move(self->parser.get().body())});
      });
    });
  }

  Url url;
  tcp::resolver resolver;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> request;
  bhttp::response_parser<bhttp::string_body> parser;
  ClientDone done;
};

}  // namespace

void fetch(asio::io_context& io, const Url& url, ClientRequest request, ClientDone done) {
  std::make_shared<Exchange>(io, std::move(done))->start(url, std::move(request));
}

}  // namespace xlb::http
