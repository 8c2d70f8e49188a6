// HTTP and HTTPS: connect, (TLS handshake,) send one GET, read just enough for
// the status line, and judge the status against the expected ranges. The same
// code drives a plain socket and a TLS stream.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <string_view>
#include <type_traits>

#include "health/http_message.h"
#include "health/probe.h"

namespace xlb::health {
namespace {

using boost::asio::ip::tcp;
using TlsStream = boost::asio::ssl::stream<tcp::socket>;
using boost::system::error_code;

// The status line is all we look at; a backend that sends 4 KiB without one
// is not speaking HTTP.
constexpr size_t kMaxRead = 4096;

template <class Stream>
class HttpProbe final : public Probe {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  HttpProbe(boost::asio::io_context& io, const Target& target, std::shared_ptr<boost::asio::ssl::context> tls)
      : Probe(io),
        target_(target),
        endpoint_(to_asio(target.address), target.port),
        tls_(std::move(tls)),
        stream_(make_stream(io, tls_.get())) {}

 private:
  static Stream make_stream(boost::asio::io_context& io, boost::asio::ssl::context* tls) {
    if constexpr (kTls) return Stream(io, *tls);
    else return Stream(io);
  }

  void begin() override {
    auto request = http_request(target_);
    if (!request) return finish(false, request.error().message);
    request_ = std::move(*request);
    stream_.lowest_layer().async_connect(endpoint_, [self = self<HttpProbe>()](const error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->finish(false, connect_failure(ec));
      self->connected();
    });
  }

  void connected() {
    if constexpr (kTls) {
      if (auto name = sni_name(target_)) SSL_set_tlsext_host_name(stream_.native_handle(), name->c_str());
      stream_.async_handshake(boost::asio::ssl::stream_base::client, [self = self<HttpProbe>()](const error_code& ec) {
        if (self->finished()) return;
        if (ec) return self->finish(false, "TLS handshake failed: " + ec.message());
        self->send();
      });
    } else {
      send();
    }
  }

  void send() {
    boost::asio::async_write(stream_, boost::asio::buffer(request_),
                             [self = self<HttpProbe>()](const error_code& ec, size_t) {
                               if (self->finished()) return;
                               if (ec) return self->finish(false, "send failed: " + ec.message());
                               self->read();
                             });
  }

  void read() {
    auto space = boost::asio::buffer(buf_.data() + len_, buf_.size() - len_);
    stream_.async_read_some(space, [self = self<HttpProbe>()](const error_code& ec, size_t n) {
      if (self->finished()) return;
      self->len_ += n;
      self->got(ec);
    });
  }

  void got(const error_code& ec) {
    std::string_view data(buf_.data(), len_);
    if (auto eol = data.find("\r\n"); eol != std::string_view::npos) return judge(data.substr(0, eol));
    // The peer closing (without TLS close_notify, too) ends the response.
    bool closed = ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
    if (ec && !closed) return finish(false, "receive failed: " + ec.message());
    if (closed && len_ == 0) return finish(false, "connection closed without a response");
    if (closed) return judge(data);  // a status line without its CRLF still counts
    if (len_ == buf_.size()) return finish(false, "no status line in the first " + std::to_string(kMaxRead) + " bytes");
    read();
  }

  void judge(std::string_view line) {
    auto status = parse_status_line(line);
    if (!status) return finish(false, status.error().message);
    finish(status_expected(*status, target_.spec.expected_status), "HTTP status " + std::to_string(*status));
  }

  void close() override {
    // No TLS shutdown: waiting for the peer's close_notify would only add a
    // way to hang; the verdict is already in.
    error_code ignored;
    stream_.lowest_layer().close(ignored);
  }

  Target target_;
  tcp::endpoint endpoint_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // must outlive stream_
  Stream stream_;
  std::string request_;
  std::array<char, kMaxRead> buf_{};
  size_t len_ = 0;
};

}  // namespace

std::shared_ptr<Probe> make_http_probe(boost::asio::io_context& io, const Target& target,
                                       std::shared_ptr<boost::asio::ssl::context> tls) {
  if (tls) return std::make_shared<HttpProbe<TlsStream>>(io, target, std::move(tls));
  return std::make_shared<HttpProbe<tcp::socket>>(io, target, nullptr);
}

}  // namespace xlb::health
