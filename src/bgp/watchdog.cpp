#include "bgp/watchdog.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "bgp/bird_config.h"
#include "bgp/bird_control.h"
#include "common/system.h"

namespace xlb::bgp {

namespace {

// The watchdog's whole life. Runs in the forked child: no logger, no exit
// handlers of the agent; _exit at the end.
[[noreturn]] void watch(int read_fd, const config::Bgp& bgp) {
  // The agent's signals (a Ctrl-C to the process group, systemd's SIGTERM to
  // the unit) are for the agent: the watchdog must outlive it to do its job.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  ::prctl(PR_SET_NAME, "xlb-routes-wd");
  char byte;
  while (::read(read_fd, &byte, 1) != 0) {
    if (errno != EINTR && errno != EAGAIN) break;
  }
  auto st = write_file_atomically(routes_path(bgp), render_routes({}));
  // BIRD may be restarting: a few tries over about two seconds.
  for (int attempt = 0; st && attempt < 10; ++attempt) {
    st = bird_configure(bgp.bird_socket, std::chrono::milliseconds(1000));
    if (st) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::fprintf(stderr, "xlb-routes-wd: the agent is gone: %s\n",
               st ? "VIP routes withdrawn" : ("could not withdraw the VIP routes: " + st.error().message).c_str());
  ::_exit(st ? 0 : 1);
}

}  // namespace

Result<std::unique_ptr<RouteWatchdog>> RouteWatchdog::start(const config::Bgp& bgp, std::chrono::milliseconds wait) {
  const std::string lock_path = routes_path(bgp) + ".lock";
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(lock_path).parent_path(), ec);
  if (ec) return Error{"create the directory of " + lock_path + ": " + ec.message()};
  int lock_fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock_fd < 0) return errno_error("open " + lock_path, errno);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      ::close(lock_fd);
      return Error{"another xlb-agent (or the watchdog of one that died) still manages the routes in " +
                   routes_path(bgp) + " (lock " + lock_path + ")"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ::close(lock_fd);
    return errno_error("create the watchdog's pipe", errno);
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    ::close(lock_fd);
    return errno_error("fork the route watchdog", err);
  }
  if (pid == 0) {
    ::close(fds[1]);
    watch(fds[0], bgp);  // keeps lock_fd open: the lock is ours until we exit
  }
  ::close(fds[0]);
  return std::unique_ptr<RouteWatchdog>(new RouteWatchdog(lock_fd, fds[1], pid));
}

RouteWatchdog::~RouteWatchdog() {
  ::close(pipe_fd_);
  // Reap it so no zombie is left; it finishes within a few seconds at most.
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(lock_fd_);
}

}  // namespace xlb::bgp
