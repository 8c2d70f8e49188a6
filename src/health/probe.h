// One probe: a single attempt against one target, bounded by its own timeout.
// Each kind (probe_tcp.cpp, probe_http.cpp, probe_udp.cpp, probe_ping.cpp) derives from Probe
// and supplies begin() and close(); the base owns the timeout and makes sure
// the result is delivered exactly once, or never after cancel().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "health/checker.h"

namespace xlb::health {

struct ProbeResult {
  bool ok = false;
  std::string reason;
};

class Probe : public std::enable_shared_from_this<Probe> {
 public:
  using Done = std::function<void(ProbeResult)>;
  virtual ~Probe() = default;

  // Begin the probe; `done` runs once, later, on the io thread, unless cancel()
  // comes first. begin() runs from a posted handler so that even an immediate
  // failure never calls back into the caller of start().
  void start(std::chrono::milliseconds timeout, Done done);
  // Abort: close the sockets now (freeing the fd) and drop `done` unrun.
  void cancel();

 protected:
  explicit Probe(boost::asio::io_context& io) : io_(io), timer_(io) {}
  virtual void begin() = 0;
  virtual void close() = 0;  // must tolerate being called more than once
  // Deliver the result; only the first call counts (a timeout and a late
  // completion may race). Completion handlers return early once finished().
  void finish(bool ok, std::string reason);
  bool finished() const { return finished_; }
  template <class Self>
  std::shared_ptr<Self> self() {
    return std::static_pointer_cast<Self>(shared_from_this());
  }

  boost::asio::io_context& io_;

 private:
  boost::asio::steady_timer timer_;
  Done done_;
  bool finished_ = false;
};

boost::asio::ip::address to_asio(const IpAddr& address);
// Words for a failed connect: "connect refused", "connect failed: <why>".
std::string connect_failure(const boost::system::error_code& ec);

std::shared_ptr<Probe> make_tcp_probe(boost::asio::io_context& io, const Target& target);
// `tls` null: plain HTTP; otherwise HTTPS with that client context.
std::shared_ptr<Probe> make_http_probe(boost::asio::io_context& io, const Target& target,
                                       std::shared_ptr<boost::asio::ssl::context> tls);
std::shared_ptr<Probe> make_udp_probe(boost::asio::io_context& io, const Target& target);
// ICMP/ICMPv6 echo; the target's port is not used.
std::shared_ptr<Probe> make_ping_probe(boost::asio::io_context& io, const Target& target);
// A probe that fails with `reason` as soon as it starts: a target that cannot
// be probed at all still reports through the normal path.
std::shared_ptr<Probe> make_failed_probe(boost::asio::io_context& io, std::string reason);

}  // namespace xlb::health
