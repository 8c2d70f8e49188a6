#include "common/result.h"

#include <cerrno>
#include <cstring>

namespace xlb {

namespace {
const char* errno_hint(int err) {
  switch (err) {
    case EPERM:
      return "; run as root (CAP_BPF and CAP_NET_ADMIN are needed)";
    case E2BIG:
      return "; the map is full: raise the limit in the config";
    case ENOENT:
      return "; it does not exist (was the agent started, is the path right?)";
    case ENOMEM:
      return "; the kernel could not allocate it: lower map sizes or check memlock";
    case EEXIST:
      return "; something is already there (another XDP program on the interface?)";
    case EOPNOTSUPP:
      return "; not supported by this driver or kernel (try generic XDP mode)";
    default:
      return "";
  }
}
}  // namespace

Error errno_error(const std::string& what, int err) {
  if (err < 0) err = -err;
  return Error{what + ": " + std::strerror(err) + " (errno " + std::to_string(err) + ")" + errno_hint(err)};
}

}  // namespace xlb
