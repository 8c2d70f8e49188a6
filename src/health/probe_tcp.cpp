// TCP: the backend is up if it accepts a connection within the timeout.
#include <boost/asio/ip/tcp.hpp>

#include "health/probe.h"

namespace xlb::health {
namespace {

using boost::asio::ip::tcp;

class TcpProbe final : public Probe {
 public:
  TcpProbe(boost::asio::io_context& io, const Target& target)
      : Probe(io), endpoint_(to_asio(target.address), target.port), socket_(io) {}

 private:
  void begin() override {
    socket_.async_connect(endpoint_, [self = self<TcpProbe>()](const boost::system::error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->finish(false, connect_failure(ec));
      self->finish(true, "connected");  // finish() closes the socket
    });
  }

  void close() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  tcp::endpoint endpoint_;
  tcp::socket socket_;
};

}  // namespace

std::shared_ptr<Probe> make_tcp_probe(boost::asio::io_context& io, const Target& target) {
  return std::make_shared<TcpProbe>(io, target);
}

}  // namespace xlb::health
