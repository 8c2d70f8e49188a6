// Active health checks of backends: TCP connect, HTTP(S) status, UDP echo, ICMP echo.
//
// The checker runs entirely on the io_context it is given (the agent's single
// thread): every probe is asynchronous, so hundreds of backends cost sockets
// and timers, not threads. At most `max_in_flight` probes run at once; the
// rest wait their turn, which bounds the file descriptors in use.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/net.h"

namespace boost::asio::ssl {
class context;
}

namespace xlb::health {

enum class CheckType { Tcp, Http, Https, Udp, Ping };

// An inclusive range of HTTP status codes, e.g. {200, 299}.
struct StatusRange {
  int lo = 200, hi = 299;
  auto operator<=>(const StatusRange&) const = default;
};

struct CheckSpec {
  CheckType type = CheckType::Tcp;
  std::chrono::milliseconds interval{2000}, timeout{1000};
  int rise = 2, fall = 3;  // values below 1 count as 1
  std::string http_path = "/";  // HTTP/HTTPS; empty means "/"
  // Host header and TLS SNI. Empty: the address (plus ":port" when not the
  // scheme's default port); an IP literal is never sent as SNI.
  std::string http_host;
  std::vector<StatusRange> expected_status{{200, 399}};
  std::string udp_payload = "ping";  // UDP: sent; any reply datagram is success
  auto operator<=>(const CheckSpec&) const = default;
};

// What to probe. The identity of a target is all of it: the same address and
// port checked two ways are two targets with their own state.
struct Target {
  IpAddr address;
  uint16_t port = 0;
  CheckSpec spec;
  auto operator<=>(const Target&) const = default;
};

enum class Health { Up, Down };

struct Transition {
  Target target;
  Health health;
  // What the deciding probe saw: "connect refused", "timeout after 1000 ms",
  // "HTTP status 503", "ICMP port unreachable", "connected", ...
  std::string reason;
};

// A target's state as the checker sees it now (for tests and `show`).
struct TargetStatus {
  Health health = Health::Up;
  uint64_t probes = 0;    // completed probes
  int streak = 0;         // consecutive results against `health`, toward a change
  bool probing = false;   // a probe is running or waiting for a slot
  std::string last_reason;  // of the latest completed probe; empty before the first
};

// Semantics:
// - A new target starts Up (so an agent restart never empties a pool) and is
//   probed at once. Its first result decides on its own: one failure turns it
//   Down and is reported. After that `fall` consecutive failures turn Up into
//   Down and `rise` consecutive successes turn Down into Up.
// - on_change hears only changes (and the first-probe Down), on the io thread.
// - Probes of one target never overlap. The next one starts `interval` after
//   the previous one started, or as soon as it finished if it took longer.
//   A probe's timeout runs from its start, not from when it asked for a slot.
// - HTTPS does not verify certificates: backends commonly use self-signed ones,
//   and the check is about liveness, not the backend's identity.
// The io_context must outlive the checker. on_change may call set_targets()
// or stop(), but must not destroy the checker.
class Checker {
 public:
  Checker(boost::asio::io_context& io, std::function<void(const Transition&)> on_change,
          size_t max_in_flight = 256);
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // Replace the set of targets. Targets already present keep their state and
  // counters; new ones start; removed ones stop: their pending probes are
  // cancelled and never report. Duplicates count once. Ignored after stop().
  void set_targets(std::vector<Target> targets);

  std::optional<Health> health(const Target& t) const;  // nullopt: unknown target
  std::optional<TargetStatus> status(const Target& t) const;
  size_t in_flight() const { return in_flight_; }

  // Cancel every probe and timer and forget all targets; nothing reports
  // afterwards. The checker stays stopped. The destructor calls it.
  void stop();

 private:
  struct State;
  void remove(const std::shared_ptr<State>& s);
  void want_probe(const std::shared_ptr<State>& s);
  void launch(const std::shared_ptr<State>& s);
  void on_result(const std::shared_ptr<State>& s, bool ok, std::string reason);
  void schedule_next(const std::shared_ptr<State>& s);
  void fill_slots();
  std::shared_ptr<boost::asio::ssl::context> tls_context(std::string& error);

  boost::asio::io_context& io_;
  std::function<void(const Transition&)> on_change_;
  size_t max_in_flight_;
  size_t in_flight_ = 0;
  bool stopped_ = false;
  std::map<Target, std::shared_ptr<State>> targets_;
  std::deque<std::weak_ptr<State>> waiting_;  // due probes without a slot, oldest first
  std::shared_ptr<boost::asio::ssl::context> tls_;  // made on the first HTTPS probe
};

}  // namespace xlb::health
