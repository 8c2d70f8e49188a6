#include "bgp/bird_control.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <cstring>
#include <string>

namespace xlb::bgp {

namespace {

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Replies are lines "NNNN-text" (more follow), "NNNN text" (the last) or
// " text" (continuing the previous code). Codes 8xxx and 9xxx are errors.
struct Reply {
  int code = 0;
  std::string text;
};

Result<Reply> read_reply(int fd, std::string& buffer, const std::string& what) {
  Reply last;
  for (;;) {
    size_t nl;
    while ((nl = buffer.find('\n')) == std::string::npos) {
      char chunk[4096];
      ssize_t n = ::read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_error("read BIRD's answer to " + what, errno);
      if (n == 0) return Error{"BIRD closed the control socket before answering " + what};
      buffer.append(chunk, static_cast<size_t>(n));
    }
    std::string line = buffer.substr(0, nl);
    buffer.erase(0, nl + 1);
    if (line.size() >= 5 && std::isdigit(static_cast<unsigned char>(line[0]))) {
      last.code = std::stoi(line.substr(0, 4));
      last.text += (last.text.empty() ? "" : "; ") + line.substr(5);
      if (line[4] == ' ') return last;
    } else if (!line.empty()) {
      last.text += line;
    }
  }
}

}  // namespace

Status bird_configure(const std::string& socket_path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path)) return Error{"BIRD control socket path too long: " + socket_path};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Socket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return errno_error("create a unix socket", errno);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return Error{"connect to BIRD at " + socket_path + ": " + std::strerror(errno) + " (is bird running?)"};
  std::string buffer;
  auto hello = read_reply(s.fd(), buffer, "the connection");
  if (!hello) return hello.error();
  const char command[] = "configure\n";
  if (::write(s.fd(), command, sizeof(command) - 1) != static_cast<ssize_t>(sizeof(command) - 1))
    return errno_error("send configure to BIRD", errno);
  auto reply = read_reply(s.fd(), buffer, "configure");
  if (!reply) return reply.error();
  // 0003 Reconfigured, 0004 in progress, 0005 queued, 0019 nothing to do.
  if (reply->code >= 8000) return Error{"BIRD refused its new configuration: " + reply->text};
  return {};
}

}  // namespace xlb::bgp
