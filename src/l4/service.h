// What the L4 data plane should serve, independent of where it came from
// (the static config file today, the controller later).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/net.h"

namespace xlb::l4 {

// ACTIVE backends are in the ring. DRAINING ones are not, but flows the
// session cache already sends to them go on. DOWN ones are not, and their
// cached flows are balanced afresh at once.
enum class BackendState : uint8_t { Active = XLB_BACKEND_ACTIVE, Draining = XLB_BACKEND_DRAINING, Down = XLB_BACKEND_STATE_DOWN };
const char* backend_state_name(BackendState state);  // "active", "draining", "down"

struct BackendSpec {
  IpAddr address;
  uint32_t weight = 1;
  BackendState state = BackendState::Active;
  bool operator==(const BackendSpec&) const = default;
};

// New flows per second a VIP accepts (TCP SYNs, UDP packets of no known
// flow), with `burst` at once. rate 0: no limit.
struct RateLimit {
  uint32_t rate = 0;
  uint32_t burst = 0;
  bool operator==(const RateLimit&) const = default;
};

struct ServiceKey {
  IpAddr address;
  uint16_t port = 0;  // host order; 0 = all ports
  uint8_t proto = 0;  // IPPROTO_TCP / IPPROTO_UDP
  auto operator<=>(const ServiceKey&) const = default;
  std::string str() const;  // "198.51.100.10:80/tcp"
};

struct ServiceSpec {
  ServiceKey key;
  uint32_t flags = 0;  // enum xlb_vip_flags but XLB_VIP_ACL, which follows allowed_sources
  RateLimit rate_limit;
  std::vector<BackendSpec> backends;
  // Empty: every source. Else only these prefixes (sorted, of the VIP's family).
  std::vector<Prefix> allowed_sources;
  bool operator==(const ServiceSpec&) const = default;
};

struct NodeSpec {
  std::optional<Prefix> encap_source_v4;
  std::optional<Prefix> encap_source_v6;
  std::optional<std::array<uint8_t, 6>> gateway_mac;
  std::optional<std::array<uint8_t, 6>> node_mac;  // the ingress interface's MAC
  // Stateless fallback thresholds, new flows per second per CPU (0: never).
  uint32_t stateless_above = 0;
  uint32_t stateless_below = 0;
  // Largest packet toward the backends, tunnel included (0: no check), and
  // the per-CPU budget for the ICMP that answers bigger ones (rate 0: no limit).
  uint32_t backend_mtu = 0;
  uint32_t icmp_rate = 0;
  uint32_t icmp_burst = 0;
  bool answer_echo = false;  // answer ICMP/ICMPv6 echo requests to VIP addresses
};

}  // namespace xlb::l4
