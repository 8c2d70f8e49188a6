// IP addresses and prefixes as the rest of xlb uses them: parsed from and
// printed to text, converted to the BPF ABI's network-order words.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "xlb/abi.h"

namespace xlb {

struct IpAddr {
  uint8_t family = XLB_FAMILY_NONE;  // enum xlb_family
  std::array<uint8_t, 16> bytes{};   // IPv4 in bytes[0..3]

  static Result<IpAddr> parse(std::string_view text);
  std::string str() const;
  bool is_v4() const { return family == XLB_FAMILY_V4; }
  bool is_v6() const { return family == XLB_FAMILY_V6; }
  // The ABI form: network-order words, IPv4 in addr[0], the rest zero.
  xlb_addr to_abi() const;
  static IpAddr from_abi(const xlb_addr& a, uint8_t family);

  auto operator<=>(const IpAddr&) const = default;
};

// The key of the per-address VIP maps (xlb_vip_addrs_v2, xlb_dvips_v2).
xlb_vip_addr_key vip_addr_key(const IpAddr& a);

struct Prefix {
  IpAddr addr;
  unsigned length = 0;

  // "198.18.0.0/24", "2001:db8::/64"; host bits must be zero.
  static Result<Prefix> parse(std::string_view text);
  std::string str() const;
  auto operator<=>(const Prefix&) const = default;
};

// An address and port to listen on or connect to.
struct SocketAddress {
  IpAddr address;
  uint16_t port = 0;

  // "127.0.0.1:9810", "[::1]:9810" (IPv6 in brackets); port 1..65535; no host names.
  static Result<SocketAddress> parse(std::string_view text);
  std::string str() const;  // the same forms
  auto operator<=>(const SocketAddress&) const = default;
};

// "02:00:00:00:00:01" -> bytes.
Result<std::array<uint8_t, 6>> parse_mac(std::string_view text);
std::string format_mac(const std::array<uint8_t, 6>& mac);

}  // namespace xlb
