// Turning a host into an xlb backend: decapsulation at XDP, the VIPs on the
// loopback, and the sysctls that make replies leave from the VIP, straight to
// the client (direct server return).
#pragma once

#include <string>
#include <vector>

#include "bpf/xdp.h"
#include "common/net.h"
#include "common/result.h"

namespace xlb::backend {

inline constexpr const char* kDefaultPinDir = "/sys/fs/bpf/xlb-backend";

struct PrepareOptions {
  std::string interface;
  std::vector<IpAddr> vips;
  // The L4 nodes' encap prefixes: tunnelled packets from anywhere else are
  // dropped (counted). Empty: accept any outer source.
  std::vector<Prefix> encap_sources;
  std::string pin_dir = kDefaultPinDir;
  bpf::XdpMode mode = bpf::XdpMode::Native;
};

// Idempotent: running it again adds VIPs and re-attaches the same program.
Status prepare(const PrepareOptions& options);
// Detaches decap, removes the VIPs it added from lo, removes the pins.
Status reset(const std::string& interface, const std::string& pin_dir, bpf::XdpMode mode);

}  // namespace xlb::backend
