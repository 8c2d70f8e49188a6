#include "common/net.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace xlb {

Result<IpAddr> IpAddr::parse(std::string_view text) {
  std::string s(text);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = XLB_FAMILY_V4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = XLB_FAMILY_V6;
    return a;
  }
  return Error{"'" + s + "' is not an IPv4 or IPv6 address"};
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == XLB_FAMILY_V4) inet_ntop(AF_INET, bytes.data(), buf, sizeof(buf));
  else if (family == XLB_FAMILY_V6) inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf));
  else return "<none>";
  return buf;
}

xlb_addr IpAddr::to_abi() const {
  xlb_addr out{};
  std::memcpy(out.addr, bytes.data(), family == XLB_FAMILY_V4 ? 4 : 16);
  return out;
}

IpAddr IpAddr::from_abi(const xlb_addr& a, uint8_t family) {
  IpAddr out;
  out.family = family;
  std::memcpy(out.bytes.data(), a.addr, family == XLB_FAMILY_V4 ? 4 : 16);
  return out;
}

xlb_vip_addr_key vip_addr_key(const IpAddr& a) {
  xlb_vip_addr_key k{};
  k.addr = a.to_abi();
  k.family = a.family;
  return k;
}

Result<Prefix> Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return Error{"'" + std::string(text) + "' is not a prefix (expected address/length)"};
  auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return addr.error();
  auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  unsigned max = addr->is_v4() ? 32 : 128;
  if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len > max)
    return Error{"'" + std::string(text) + "' has a bad prefix length (0.." + std::to_string(max) + ")"};
  unsigned bytes = max / 8;
  for (unsigned bit = len; bit < bytes * 8; ++bit) {
    if (addr->bytes[bit / 8] & (0x80u >> (bit % 8)))
      return Error{"'" + std::string(text) + "' has host bits set"};
  }
  return Prefix{*addr, len};
}

std::string Prefix::str() const { return addr.str() + "/" + std::to_string(length); }

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  const std::string forms = " (expected ADDRESS:PORT, e.g. 127.0.0.1:9810 or [::1]:9810)";
  std::string_view host, port_text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error{quoted + " is not an address and port" + forms};
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Error{quoted + " has no port" + forms};
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return Error{quoted + ": an IPv6 address needs brackets, e.g. [::1]:9810"};
  }
  auto address = IpAddr::parse(host);
  if (!address) return Error{quoted + ": '" + std::string(host) + "' is not an IPv4 or IPv6 address" + forms};
  if (text.starts_with('[') && !address->is_v6()) return Error{quoted + ": only IPv6 addresses go in brackets"};
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535)
    return Error{quoted + ": the port must be a number in 1..65535"};
  return SocketAddress{*address, static_cast<uint16_t>(port)};
}

std::string SocketAddress::str() const {
  return (address.is_v6() ? "[" + address.str() + "]" : address.str()) + ":" + std::to_string(port);
}

Result<std::array<uint8_t, 6>> parse_mac(std::string_view text) {
  std::array<uint8_t, 6> mac{};
  if (text.size() != 17) return Error{"'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)"};
  for (size_t i = 0; i < 6; ++i) {
    auto part = text.substr(i * 3, 2);
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + 2, v, 16);
    if (ec != std::errc() || ptr != part.data() + 2 || (i < 5 && text[i * 3 + 2] != ':'))
      return Error{"'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)"};
    mac[i] = static_cast<uint8_t>(v);
  }
  return mac;
}

std::string format_mac(const std::array<uint8_t, 6>& mac) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return buf;
}

}  // namespace xlb
