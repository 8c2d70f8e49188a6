#include "bpf/pin_dir.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>

namespace xlb::bpf {

namespace {

constexpr const char* kSysFsBpf = "/sys/fs/bpf";

bool on_bpffs(const std::string& path) {
  struct statfs fs{};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

}  // namespace

Status ensure_pin_dir(const std::string& dir) {
  if (dir.empty() || dir[0] != '/') return Error{"pin directory '" + dir + "' must be an absolute path"};
  const size_t slash = dir.find_last_of('/');
  const std::string parent = slash == 0 ? std::string("/") : dir.substr(0, slash);
  if (!on_bpffs(parent)) {
    if (parent != kSysFsBpf)
      return Error{"pin directory " + dir + " is not on a BPF filesystem: mount one first (mount -t bpf bpf " + parent +
                   ")"};
    if (::mount("bpf", kSysFsBpf, "bpf", 0, "mode=0700") != 0)
      return errno_error(std::string("mount a BPF filesystem on ") + kSysFsBpf, errno);
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("create directory " + dir, errno);
  return {};
}

}  // namespace xlb::bpf
