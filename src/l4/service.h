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

struct BackendSpec {
  IpAddr address;
  uint32_t weight = 1;
  bool operator==(const BackendSpec&) const = default;
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
  uint32_t flags = 0;  // enum xlb_vip_flags
  std::vector<BackendSpec> backends;
  bool operator==(const ServiceSpec&) const = default;
};

struct NodeSpec {
  std::optional<Prefix> encap_source_v4;
  std::optional<Prefix> encap_source_v6;
  std::optional<std::array<uint8_t, 6>> gateway_mac;
  std::optional<std::array<uint8_t, 6>> node_mac;  // the ingress interface's MAC
};

}  // namespace xlb::l4
