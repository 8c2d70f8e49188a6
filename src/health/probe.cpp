#include "health/probe.h"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

namespace xlb::health {

// The clock starts when the probe really begins, on the event loop: a loop
// that was busy (or not yet running) must never be blamed on the backend.
void Probe::start(std::chrono::milliseconds timeout, Done done) {
  done_ = std::move(done);
  boost::asio::post(io_, [self = shared_from_this(), timeout] {
    if (self->finished_) return;
    self->timer_.expires_after(timeout);
    self->timer_.async_wait([self, timeout](const boost::system::error_code& ec) {
      if (ec || self->finished_) return;  // cancelled: the probe ended first
      self->finish(false, "timeout after " + std::to_string(timeout.count()) + " ms");
    });
    self->begin();
  });
}

void Probe::cancel() {
  done_ = nullptr;
  finish(false, "cancelled");
}

void Probe::finish(bool ok, std::string reason) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  close();  // pending operations complete with operation_aborted and see finished()
  // Move out first: `done` may drop the last outside reference to this probe.
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(ProbeResult{ok, std::move(reason)});
}

namespace {

class FailedProbe final : public Probe {
 public:
  FailedProbe(boost::asio::io_context& io, std::string reason) : Probe(io), reason_(std::move(reason)) {}

 private:
  void begin() override { finish(false, reason_); }
  void close() override {}
  std::string reason_;
};

}  // namespace

std::shared_ptr<Probe> make_failed_probe(boost::asio::io_context& io, std::string reason) {
  return std::make_shared<FailedProbe>(io, std::move(reason));
}

boost::asio::ip::address to_asio(const IpAddr& address) {
  if (address.is_v4()) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy_n(address.bytes.begin(), b.size(), b.begin());
    return boost::asio::ip::address_v4(b);
  }
  return boost::asio::ip::address_v6(address.bytes);
}

std::string connect_failure(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::connection_refused) return "connect refused";
  return "connect failed: " + ec.message();
}

}  // namespace xlb::health
