// UDP: send the payload on a connected socket; any datagram back within the
// timeout is success. Connecting the socket is what lets the kernel hand us
// an ICMP port unreachable as ECONNREFUSED instead of silently dropping it.
#include <array>
#include <boost/asio/ip/udp.hpp>

#include "health/probe.h"

namespace xlb::health {
namespace {

using boost::asio::ip::udp;

std::string udp_failure(const char* what, const boost::system::error_code& ec) {
  if (ec == boost::asio::error::connection_refused) return "ICMP port unreachable";
  return std::string(what) + " failed: " + ec.message();
}

class UdpProbe final : public Probe {
 public:
  UdpProbe(boost::asio::io_context& io, const Target& target)
      : Probe(io), endpoint_(to_asio(target.address), target.port), payload_(target.spec.udp_payload), socket_(io) {}

 private:
  void begin() override {
    boost::system::error_code setup;
    socket_.open(endpoint_.protocol(), setup);
    if (!setup) socket_.connect(endpoint_, setup);  // no packets: just fixes the peer
    if (setup) return finish(false, "UDP socket setup failed: " + setup.message());
    // Receive first so a fast reply (or ICMP error) is never missed.
    socket_.async_receive(boost::asio::buffer(reply_), [self = self<UdpProbe>()](const boost::system::error_code& ec,
                                                                                   size_t) {
      if (self->finished()) return;
      if (ec) return self->finish(false, udp_failure("receive", ec));
      self->finish(true, "reply received");
    });
    socket_.async_send(boost::asio::buffer(payload_), [self = self<UdpProbe>()](const boost::system::error_code& ec,
                                                                                 size_t) {
      if (self->finished() || !ec) return;
      self->finish(false, udp_failure("send", ec));
    });
  }

  void close() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  udp::endpoint endpoint_;
  std::string payload_;
  udp::socket socket_;
  std::array<char, 2048> reply_{};  // the content does not matter, only that it came
};

}  // namespace

std::shared_ptr<Probe> make_udp_probe(boost::asio::io_context& io, const Target& target) {
  return std::make_shared<UdpProbe>(io, target);
}

}  // namespace xlb::health
