#include "metrics/http_server.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "metrics/exposition.h"

namespace xlb::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint endpoint_of(const SocketAddress& a) {
  asio::ip::address ip;
  if (a.address.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(a.address.bytes.begin(), 4, b.begin());
    ip = asio::ip::address_v4(b);
  } else {
    asio::ip::address_v6::bytes_type b;
    std::copy_n(a.address.bytes.begin(), 16, b.begin());
    ip = asio::ip::address_v6(b);
  }
  return tcp::endpoint(ip, a.port);
}

SocketAddress address_of(const tcp::endpoint& e) {
  SocketAddress out;
  out.port = e.port();
  if (e.address().is_v4()) {
    auto b = e.address().to_v4().to_bytes();
    out.address.family = XLB_FAMILY_V4;
    std::copy(b.begin(), b.end(), out.address.bytes.begin());
  } else {
    auto b = e.address().to_v6().to_bytes();
    out.address.family = XLB_FAMILY_V6;
    std::copy(b.begin(), b.end(), out.address.bytes.begin());
  }
  return out;
}

// A request the parser refused because of what the client sent (as opposed
// to the connection failing): it gets an answer before the close.
bool is_client_error(const beast::error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::end_of_stream).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool is_too_large(const beast::error_code& ec) {
  return ec == http::error::header_limit || ec == http::error::body_limit || ec == http::error::buffer_overflow;
}

}  // namespace

class Connection;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, ScrapeFn scrape, ServerLimits limits)
      : acceptor(io), retry(io), scrape(std::move(scrape)), limits(limits) {}

  void accept();

  tcp::acceptor acceptor;
  asio::steady_timer retry;  // after an accept error such as EMFILE: no busy loop
  ScrapeFn scrape;
  ServerLimits limits;
  std::set<Connection*> open;
  bool stopped = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), buffer_(server->limits.max_request_bytes), server_(std::move(server)) {
    server_->open.insert(this);
  }
  ~Connection() { server_->open.erase(this); }

  void start() { read(); }
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->limits.max_request_bytes));
    parser_->body_limit(server_->limits.max_request_bytes);
    stream_.expires_after(server_->limits.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (is_client_error(ec)) {
        respond(is_too_large(ec) ? http::status::payload_too_large : http::status::bad_request, 11,
                std::string(is_too_large(ec) ? "request too large" : "bad request") + "\n", false);
        return;
      }
      close();  // end of stream, timeout, reset, or the server stopping
      return;
    }
    const auto& req = parser_->get();
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    std::string_view target(req.target().data(), req.target().size());
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (req.method() != http::verb::get) {
      respond(http::status::method_not_allowed, version, "only GET is served\n", keep_alive);
    } else if (target == "/metrics") {
      auto body = server_->scrape();
      if (body)
        respond(http::status::ok, version, std::move(*body), keep_alive, kContentType);
      else
        respond(http::status::internal_server_error, version, body.error().message + "\n", keep_alive);
    } else if (target == "/healthz") {
      respond(http::status::ok, version, "ok\n", keep_alive);
    } else {
      respond(http::status::not_found, version, "not found: try /metrics or /healthz\n", keep_alive);
    }
  }

  void respond(http::status status, unsigned version, std::string body, bool keep_alive,
               std::string_view content_type = "text/plain; charset=utf-8") {
    response_ = {};
    response_.result(status);
    response_.version(version);
    response_.set(http::field::server, "xlb-agent");
    response_.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
    if (status == http::status::method_not_allowed) response_.set(http::field::allow, "GET");
    response_.keep_alive(keep_alive);
    response_.body() = std::move(body);
    response_.prepare_payload();
    stream_.expires_after(server_->limits.timeout);
    http::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive || self->server_->stopped) {
        self->close();
        return;
      }
      self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<HttpServer::Impl> server_;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (ec) {
      spdlog::warn("metrics: accept failed: {}", ec.message());
      self->retry.expires_after(std::chrono::milliseconds(100));
      self->retry.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopped) self->accept();
      });
      return;
    }
    if (self->open.size() >= self->limits.max_connections) {
      spdlog::debug("metrics: {} connections open, closing a new one", self->open.size());
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Connection>(std::move(socket), self)->start();
    }
    self->accept();
  });
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, const SocketAddress& listen,
                                                      ScrapeFn scrape, ServerLimits limits) {
  auto impl = std::make_shared<Impl>(io, std::move(scrape), limits);
  const tcp::endpoint endpoint = endpoint_of(listen);
  beast::error_code ec;
  auto fail = [&](const char* what) -> Error {
    return Error{"cannot listen on " + listen.str() + " (" + what + "): " + ec.message()};
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return fail("socket");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("SO_REUSEADDR");
  if (impl->acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { stop(); }

SocketAddress HttpServer::local_address() const {
  beast::error_code ec;
  auto e = impl_->acceptor.local_endpoint(ec);
  return ec ? SocketAddress{} : address_of(e);
}

void HttpServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry.cancel();
  // Closing cancels their pending operations; each goes away when its handler has run.
  for (Connection* c : std::set<Connection*>(impl_->open)) c->close();
}

}  // namespace xlb::metrics
