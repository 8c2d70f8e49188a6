#include "common/system.h"

#include <net/if.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <cerrno>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace xlb {

Status run_command(const std::vector<std::string>& argv) {
  std::string line;
  std::vector<char*> args;
  for (const auto& a : argv) {
    line += (line.empty() ? "" : " ") + a;
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  if (int err = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ); err != 0)
    return errno_error("run '" + line + "'", err);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return errno_error("wait for '" + line + "'", errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return Error{"'" + line + "' failed with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1)};
}

Status write_file_atomically(const std::string& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Error{"create the directory of " + path + ": " + ec.message()};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return errno_error("write " + tmp, errno);
    out << text;
    out.flush();
    if (!out) return errno_error("write " + tmp, errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error("replace " + path, err);
  }
  return {};
}

namespace {
std::string sysctl_path(std::string key) {
  std::replace(key.begin(), key.end(), '.', '/');
  return "/proc/sys/" + key;
}
}  // namespace

Status write_sysctl(const std::string& key, const std::string& value) {
  std::ofstream f(sysctl_path(key));
  if (!f) return errno_error("open sysctl " + key, errno);
  f << value << '\n';
  f.close();
  if (!f) return errno_error("write sysctl " + key + " = " + value, errno);
  return {};
}

Result<std::string> read_sysctl(const std::string& key) {
  std::ifstream f(sysctl_path(key));
  std::string value;
  if (!f || !std::getline(f, value)) return errno_error("read sysctl " + key, errno);
  return value;
}

namespace {
// One SIOCGIF* ioctl on `name`; `what` names it in the error.
Result<ifreq> interface_ioctl(const std::string& name, unsigned long request, const std::string& what) {
  ifreq req{};
  if (name.size() >= sizeof(req.ifr_name)) return Error{"interface name '" + name + "' is too long"};
  std::memcpy(req.ifr_name, name.c_str(), name.size());
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("socket", errno);
  int rc = ::ioctl(fd, request, &req);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_error("read the " + what + " of " + name, err);
  return req;
}
}  // namespace

Result<std::array<uint8_t, 6>> interface_mac(const std::string& name) {
  auto req = interface_ioctl(name, SIOCGIFHWADDR, "MAC address");
  if (!req) return req.error();
  std::array<uint8_t, 6> mac{};
  std::memcpy(mac.data(), req->ifr_hwaddr.sa_data, 6);
  return mac;
}

Result<uint32_t> interface_mtu(const std::string& name) {
  auto req = interface_ioctl(name, SIOCGIFMTU, "MTU");
  if (!req) return req.error();
  return static_cast<uint32_t>(req->ifr_mtu);
}

}  // namespace xlb
