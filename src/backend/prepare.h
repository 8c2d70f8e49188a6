// Turning a host into an xlb backend: decapsulation at XDP, the VIPs on the
// loopback, and the sysctls that make replies leave from the VIP, straight to
// the client (direct server return).
#pragma once

#include <string>
#include <vector>

#include "bpf/xdp.h"
#include "xlb/abi.h"
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
  // MSS clamping, off (0) by default: the MTU of the path from the L4 nodes
  // to this backend. SYN-ACKs sent from a VIP then advertise an MSS that
  // fits that path once tunnelled, and clients never need PMTU discovery.
  uint32_t tunnel_mtu = 0;
  // The L4 nodes tunnel IPv4 VIPs to this backend inside IPv6 (the backend
  // is configured by an IPv6 address), which costs 40 bytes instead of 20.
  bool tunnel_over_ipv6 = false;
};

inline constexpr uint32_t kMinTunnelMtu = 1280;  // IPv6's minimum link MTU
inline constexpr uint32_t kMaxTunnelMtu = 65535;

// The largest MSS per family that fits a tunnel of `tunnel_mtu` bytes: the
// MTU less the outer header, the inner IP header and the TCP header.
xlb_mss_clamp mss_clamp_for(uint32_t tunnel_mtu, bool tunnel_over_ipv6);

// Idempotent: running it again adds VIPs and re-attaches the same program.
Status prepare(const PrepareOptions& options);
// Detaches decap, removes the VIPs it added from lo, removes the pins.
Status reset(const std::string& interface, const std::string& pin_dir, bpf::XdpMode mode);

}  // namespace xlb::backend
