#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace xlb::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

std::string_view Request::header(std::string_view lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->second);
}

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
  if (ec.category() != bhttp::make_error_code(bhttp::error::end_of_stream).category()) return false;
  return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool is_too_large(const beast::error_code& ec) {
  return ec == bhttp::error::header_limit || ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow;
}

Response plain_reject(unsigned status, std::string_view reason) {
  Response r;
  r.status = status;
  r.body = std::string(reason) + "\n";
  return r;
}

Request to_request(const bhttp::request<bhttp::string_body>& req, const tcp::socket& socket) {
  Request out;
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) out.peer = remote.address().to_string();
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  if (q != std::string::npos) out.query = out.target.substr(q + 1);
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  out.body = req.body();
  return out;
}

}  // namespace

class Connection;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, AsyncHandler handler, Options options)
      : acceptor(io), retry(io), handler(std::move(handler)), options(std::move(options)) {
    if (!this->options.reject) this->options.reject = plain_reject;
  }

  void accept();

  tcp::acceptor acceptor;
  asio::steady_timer retry;  // after an accept error such as EMFILE: no busy loop
  AsyncHandler handler;
  Options options;
  std::set<Connection*> open;
  bool stopped = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), buffer_(server->options.limits.max_header_bytes), server_(std::move(server)) {
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
  const Limits& limits() const { return server_->options.limits; }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits().max_header_bytes));
    parser_->body_limit(limits().max_body_bytes);
    stream_.expires_after(limits().timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (is_client_error(ec)) {
        // The stream is in an unknown state after a refused request: answer and close.
        const unsigned status = is_too_large(ec) ? 413 : 400;
        respond(server_->options.reject(status, is_too_large(ec) ? "request too large" : "bad request"), 11, false);
        return;
      }
      close();  // end of stream, timeout, reset, or the server stopping
      return;
    }
    const auto& req = parser_->get();
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    // The handler may answer now or later; the first answer wins.
    auto answered = std::make_shared<bool>(false);
    Reply reply = [self = shared_from_this(), answered, version, keep_alive](Response r) {
      if (*answered) return;
      *answered = true;
      self->respond(std::move(r), version, keep_alive);
    };
    try {
      server_->handler(to_request(req, stream_.socket()), reply);
    } catch (const std::exception& e) {
      // A handler bug must cost one request, not the process.
      spdlog::error("{}: {} {} failed: {}", server_->options.log_name, std::string(req.method_string()),
                    std::string(req.target()), e.what());
      reply(server_->options.reject(500, "internal error"));
    }
  }

  void respond(Response r, unsigned version, bool keep_alive) {
    response_ = {};
    response_.result(r.status);
    response_.version(version);
    response_.set(bhttp::field::server, server_->options.server_name);
    response_.set(bhttp::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    stream_.expires_after(limits().timeout);
    bhttp::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive || self->server_->stopped) {
        self->close();
        return;
      }
      self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::shared_ptr<Server::Impl> server_;
};

void Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (ec) {
      spdlog::warn("{}: accept failed: {}", self->options.log_name, ec.message());
      self->retry.expires_after(std::chrono::milliseconds(100));
      self->retry.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopped) self->accept();
      });
      return;
    }
    if (self->open.size() >= self->options.limits.max_connections) {
      spdlog::debug("{}: {} connections open, closing a new one", self->options.log_name, self->open.size());
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Connection>(std::move(socket), self)->start();
    }
    self->accept();
  });
}

Result<std::unique_ptr<Server>> Server::start(asio::io_context& io, const SocketAddress& listen, Handler handler,
                                              Options options) {
  AsyncHandler answer_now = [handler = std::move(handler)](const Request& r, Reply reply) { reply(handler(r)); };
  return start(io, listen, std::move(answer_now), std::move(options));
}

Result<std::unique_ptr<Server>> Server::start(asio::io_context& io, const SocketAddress& listen, AsyncHandler handler,
                                              Options options) {
  auto impl = std::make_shared<Impl>(io, std::move(handler), std::move(options));
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
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() { stop(); }

SocketAddress Server::local_address() const {
  beast::error_code ec;
  auto e = impl_->acceptor.local_endpoint(ec);
  return ec ? SocketAddress{} : address_of(e);
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry.cancel();
  // Closing cancels their pending operations; each goes away when its handler has run.
  for (Connection* c : std::set<Connection*>(impl_->open)) c->close();
}

}  // namespace xlb::http
