// Routes must not outlive the agent that announced them: a node whose agent
// died may have nothing left that forwards, yet BIRD would go on announcing
// its VIPs. At start the agent forks a small watchdog process that waits on
// a pipe; when the agent exits for any reason (SIGKILL and crashes included)
// the kernel closes the pipe, and the watchdog empties the routes file and
// reloads BIRD, which withdraws the VIPs at once.
//
// The watchdog shares the agent's lock on the routes file, so a new agent
// waits until an old watchdog has finished its withdrawal: it can never undo
// the new agent's announcement.
#pragma once

#include <chrono>
#include <memory>

#include "common/result.h"
#include "config/config.h"

namespace xlb::bgp {

class RouteWatchdog {
 public:
  // Takes the lock (waiting up to `wait` for an earlier agent's watchdog),
  // then forks the watchdog.
  static Result<std::unique_ptr<RouteWatchdog>> start(const config::Bgp& bgp,
                                                      std::chrono::milliseconds wait = std::chrono::seconds(10));
  // Closes the pipe: the watchdog withdraws (again; harmless) and exits.
  ~RouteWatchdog();
  RouteWatchdog(const RouteWatchdog&) = delete;
  RouteWatchdog& operator=(const RouteWatchdog&) = delete;

 private:
  RouteWatchdog(int lock_fd, int pipe_fd, int pid) : lock_fd_(lock_fd), pipe_fd_(pipe_fd), pid_(pid) {}
  int lock_fd_;
  int pipe_fd_;  // the write end; the watchdog reads the other
  int pid_;
};

}  // namespace xlb::bgp
