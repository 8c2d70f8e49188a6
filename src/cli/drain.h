// `xlb l4 drain|undrain <vip> <backend>`: an operator takes a backend out of
// a VIP's ring for maintenance (its established flows go on) and puts it
// back. The override goes into the agent's admin-state file, so it survives
// restarts and reloads; the command returns once the data plane shows it.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace xlb::cli {

struct DrainRequest {
  std::string vip;      // "198.51.100.10:80/tcp", as `xlb l4 show` prints it
  std::string backend;  // backend address
  bool drain = true;    // false: undrain
  std::string pin_dir;
  std::string admin_state_file;
  std::chrono::milliseconds wait{10000};
};

// What the data plane shows for the backend once applied ("draining", ...).
Result<std::string> drain(const DrainRequest& request);

}  // namespace xlb::cli
