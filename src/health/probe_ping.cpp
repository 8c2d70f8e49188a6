// PING: the backend is up if it answers an ICMP (or ICMPv6) echo within the
// timeout. Raw sockets (the agent runs with CAP_NET_RAW for XDP anyway):
// Linux's unprivileged ping sockets depend on net.ipv4.ping_group_range,
// which a fresh network namespace leaves closed. The socket is connected so
// that the kernel hands it only packets from the target; replies to other
// probes (each has its own id) are skipped.
#include <array>
#include <atomic>
#include <boost/asio/ip/icmp.hpp>
#include <unistd.h>

#include "health/icmp_echo.h"
#include "health/probe.h"

namespace xlb::health {
namespace {

using boost::asio::ip::icmp;

// Distinct ids for the probes of one process; sequence numbers count per id.
uint16_t next_echo_id() {
  static std::atomic<uint16_t> next{static_cast<uint16_t>(::getpid())};
  return next.fetch_add(1, std::memory_order_relaxed);
}

class PingProbe final : public Probe {
 public:
  PingProbe(boost::asio::io_context& io, const Target& target)
      : Probe(io),
        endpoint_(to_asio(target.address), 0),
        v6_(target.address.is_v6()),
        id_(next_echo_id()),
        socket_(io) {}

 private:
  void begin() override {
    boost::system::error_code setup;
    socket_.open(v6_ ? icmp::v6() : icmp::v4(), setup);
    if (setup == boost::asio::error::access_denied || setup == boost::system::errc::operation_not_permitted)
      return finish(false, "cannot open a raw ICMP socket: PING checks need CAP_NET_RAW");
    if (!setup) socket_.connect(endpoint_, setup);
    if (setup) return finish(false, "ICMP socket setup failed: " + setup.message());
    receive();
    request_ = echo_request(v6_, id_, kSequence, "xlb health check");
    socket_.async_send(boost::asio::buffer(request_), [self = self<PingProbe>()](const boost::system::error_code& ec,
                                                                                  size_t) {
      if (self->finished() || !ec) return;
      self->finish(false, "echo request not sent: " + ec.message());
    });
  }

  void receive() {
    socket_.async_receive(boost::asio::buffer(reply_), [self = self<PingProbe>()](const boost::system::error_code& ec,
                                                                                  size_t n) {
      if (self->finished()) return;
      if (ec) return self->finish(false, "receive failed: " + ec.message());
      if (is_echo_reply(self->v6_, std::span<const uint8_t>(self->reply_.data(), n), self->id_, kSequence))
        return self->finish(true, "echo reply");
      self->receive();  // something else from the target (another probe's reply, an error): keep waiting
    });
  }

  void close() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  static constexpr uint16_t kSequence = 1;
  icmp::endpoint endpoint_;
  bool v6_;
  uint16_t id_;
  icmp::socket socket_;
  std::vector<uint8_t> request_;
  std::array<uint8_t, 2048> reply_{};
};

}  // namespace

std::shared_ptr<Probe> make_ping_probe(boost::asio::io_context& io, const Target& target) {
  return std::make_shared<PingProbe>(io, target);
}

}  // namespace xlb::health
