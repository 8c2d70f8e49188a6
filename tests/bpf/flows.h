// Numbered client flows to one IPv4 VIP, for tests that follow many flows
// through the session cache: flow i comes from its own address and port.
#pragma once

#include <arpa/inet.h>

#include <string>

#include "bpf/harness.h"
#include "xlb/flow_hash.h"

namespace xlb::testing::flows {

inline constexpr const char* kVip = "198.51.100.10";

inline std::string client(int i) { return "203.0.113." + std::to_string(1 + i % 250); }
inline uint16_t port(int i) { return static_cast<uint16_t>(30000 + i); }

inline Bytes tcp_packet(int i, uint8_t flags) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(client(i), kVip).tcp(port(i), 80, {.flags = flags}).build();
}
inline Bytes udp_packet(int i) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(client(i), kVip).udp(port(i), 53).payload("q").build();
}

// The backend an encapsulated IPv4 frame goes to ("" if not encapsulated).
inline std::string outer_dst(const Bytes& out) {
  char buf[INET_ADDRSTRLEN] = {};
  if (out.size() >= 34) inet_ntop(AF_INET, &out[30], buf, sizeof(buf));
  return buf;
}

inline xlb_flow flow_key(int i, uint16_t dport, uint8_t proto) {
  xlb_flow f{};
  f.src[0] = IpAddr::parse(client(i))->to_abi().addr[0];
  f.dst[0] = IpAddr::parse(kVip)->to_abi().addr[0];
  f.sport = htons(port(i));
  f.dport = htons(dport);
  f.proto = proto;
  f.family = XLB_FAMILY_V4;
  return f;
}

}  // namespace xlb::testing::flows
