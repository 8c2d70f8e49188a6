// Where maps are pinned: a directory on a BPF filesystem.
#pragma once

#include <string>

#include "common/result.h"

namespace xlb::bpf {

// Creates `dir` (absolute) on a BPF filesystem. Where systemd has not mounted
// the usual one at /sys/fs/bpf, mounts it; anywhere else says what to do.
Status ensure_pin_dir(const std::string& dir);

}  // namespace xlb::bpf
