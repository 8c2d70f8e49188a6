#include "support/packet_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace xlb::testing {

namespace {

using detail::EthLayer;
using detail::IcmpLayer;
using detail::Ip4;
using detail::Ip6;
using detail::Ipv4Layer;
using detail::Ipv6ExtLayer;
using detail::Ipv6Layer;
using detail::Layer;
using detail::PayloadLayer;
using detail::TcpLayer;
using detail::UdpLayer;
using detail::VlanLayer;

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoIpip = 4;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIpv6 = 41;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoNone = 59;
constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86dd;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void put8(Bytes& b, unsigned v) { b.push_back(static_cast<uint8_t>(v & 0xff)); }
void put16(Bytes& b, unsigned v) {
  put8(b, v >> 8);
  put8(b, v);
}
void put32(Bytes& b, uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
void set16(Bytes& b, size_t off, uint16_t v) {
  b.at(off) = static_cast<uint8_t>(v >> 8);
  b.at(off + 1) = static_cast<uint8_t>(v & 0xff);
}
template <size_t N>
void put_array(Bytes& b, const std::array<uint8_t, N>& a) {
  b.insert(b.end(), a.begin(), a.end());
}
void append(Bytes& b, const Bytes& tail) { b.insert(b.end(), tail.begin(), tail.end()); }

uint64_t sum_words(const uint8_t* data, size_t len) {
  uint64_t sum = 0;
  size_t i = 0;
  for (; i + 1 < len; i += 2) sum += (static_cast<uint32_t>(data[i]) << 8) | data[i + 1];
  if (i < len) sum += static_cast<uint32_t>(data[i]) << 8;
  return sum;
}

uint16_t fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// A value that certainly fails verification: flipping one bit never lands in
// the one's-complement equivalence class {0x0000, 0xffff} of the original, and
// we avoid 0 so that a corrupted UDP checksum is never read as "no checksum".
uint16_t corrupt(uint16_t good) {
  uint16_t bad = good ^ 0x0100;
  return bad == 0 ? 0x0101 : bad;
}

uint16_t finish_checksum(uint16_t computed, const std::optional<uint16_t>& explicit_value,
                         bool bad) {
  if (explicit_value) return *explicit_value;
  return bad ? corrupt(computed) : computed;
}

std::optional<uint8_t> ip_proto_of(const Layer& layer) {
  return std::visit(
      Overloaded{
          [](const Ipv4Layer&) -> std::optional<uint8_t> { return kProtoIpip; },
          [](const Ipv6Layer&) -> std::optional<uint8_t> { return kProtoIpv6; },
          [](const Ipv6ExtLayer& l) -> std::optional<uint8_t> { return l.type; },
          [](const TcpLayer&) -> std::optional<uint8_t> { return kProtoTcp; },
          [](const UdpLayer&) -> std::optional<uint8_t> { return kProtoUdp; },
          [](const IcmpLayer& l) -> std::optional<uint8_t> {
            return l.v6 ? kProtoIcmpv6 : kProtoIcmp;
          },
          [](const auto&) -> std::optional<uint8_t> { return std::nullopt; },
      },
      layer);
}

std::optional<uint16_t> ethertype_of(const Layer& layer) {
  return std::visit(
      Overloaded{
          [](const VlanLayer& l) -> std::optional<uint16_t> { return l.tpid; },
          [](const Ipv4Layer&) -> std::optional<uint16_t> { return kEthIpv4; },
          [](const Ipv6Layer&) -> std::optional<uint16_t> { return kEthIpv6; },
          [](const auto&) -> std::optional<uint16_t> { return std::nullopt; },
      },
      layer);
}

const char* layer_name(const Layer& layer) {
  return std::visit(Overloaded{
                        [](const EthLayer&) { return "eth"; },
                        [](const VlanLayer&) { return "vlan"; },
                        [](const Ipv4Layer&) { return "ipv4"; },
                        [](const Ipv6Layer&) { return "ipv6"; },
                        [](const Ipv6ExtLayer&) { return "ipv6_ext"; },
                        [](const TcpLayer&) { return "tcp"; },
                        [](const UdpLayer&) { return "udp"; },
                        [](const IcmpLayer& l) { return l.v6 ? "icmp6" : "icmp"; },
                        [](const PayloadLayer&) { return "payload"; },
                    },
                    layer);
}

uint16_t checked_len16(size_t len, const char* what) {
  if (len > 0xffff) {
    throw std::logic_error(std::string(what) + ": length " + std::to_string(len) +
                           " does not fit in 16 bits (use an override)");
  }
  return static_cast<uint16_t>(len);
}

// Serialises layers from the innermost outwards: each layer sees the bytes of
// everything after it.
class Serializer {
 public:
  explicit Serializer(const std::vector<Layer>& layers) : layers_(layers) {}

  Bytes run() const {
    Bytes inner;
    for (size_t i = layers_.size(); i-- > 0;) {
      inner = std::visit([&](const auto& l) { return emit(i, l, inner); }, layers_[i]);
    }
    return inner;
  }

 private:
  const Layer* next(size_t i) const { return i + 1 < layers_.size() ? &layers_[i + 1] : nullptr; }

  uint16_t next_ethertype(size_t i, const std::optional<uint16_t>& override_value,
                          const char* what) const {
    if (override_value) return *override_value;
    const Layer* n = next(i);
    if (n) {
      if (auto t = ethertype_of(*n)) return *t;
    }
    throw std::logic_error(std::string(what) + " is followed by " +
                           (n ? layer_name(*n) : "nothing") +
                           "; cannot derive the ethertype (set opts.ethertype)");
  }

  uint8_t next_proto(size_t i, const std::optional<uint8_t>& override_value, const char* what,
                     bool none_if_last) const {
    if (override_value) return *override_value;
    const Layer* n = next(i);
    if (!n && none_if_last) return kProtoNone;
    if (n) {
      if (auto p = ip_proto_of(*n)) return *p;
    }
    throw std::logic_error(std::string(what) + " is followed by " +
                           (n ? layer_name(*n) : "nothing") +
                           "; cannot derive the protocol / next header (set an override)");
  }

  // Partial sum of the pseudo-header of the IP layer enclosing layer i.
  std::optional<uint64_t> pseudo_header_sum(size_t i, uint8_t proto, size_t l4_len) const {
    size_t j = i;
    while (j-- > 0) {
      const Layer& l = layers_[j];
      if (std::holds_alternative<Ipv6ExtLayer>(l)) continue;
      if (const auto* v4 = std::get_if<Ipv4Layer>(&l)) {
        Bytes ph;
        put_array(ph, v4->src);
        put_array(ph, v4->dst);
        put8(ph, 0);
        put8(ph, proto);
        put16(ph, checked_len16(l4_len, "IPv4 pseudo-header"));
        return sum_words(ph.data(), ph.size());
      }
      if (const auto* v6 = std::get_if<Ipv6Layer>(&l)) {
        Bytes ph;
        put_array(ph, v6->src);
        put_array(ph, final_destination(*v6, j, i));
        put32(ph, static_cast<uint32_t>(l4_len));
        put8(ph, 0);
        put8(ph, 0);
        put8(ph, 0);
        put8(ph, proto);
        return sum_words(ph.data(), ph.size());
      }
      break;
    }
    return std::nullopt;
  }

  // The destination an upper-layer checksum is computed against (RFC 8200
  // section 8.1): the last hop of a routing header that still has segments left.
  Ip6 final_destination(const Ipv6Layer& ip, size_t ip_index, size_t l4_index) const {
    Ip6 dst = ip.dst;
    for (size_t k = ip_index + 1; k < l4_index; ++k) {
      const auto* ext = std::get_if<Ipv6ExtLayer>(&layers_[k]);
      if (!ext || ext->type != kIpv6Routing) continue;
      const Bytes& body = ext->body;  // type, segments_left, 4 bytes, addresses
      if (body.size() < 6 + 16 || body[1] == 0) continue;
      size_t count = (body.size() - 6) / 16;
      size_t pick = body[0] == 4 ? 0 : count - 1;
      std::copy_n(body.begin() + 6 + static_cast<std::ptrdiff_t>(pick * 16), 16, dst.begin());
    }
    return dst;
  }

  uint16_t l4_checksum(size_t i, uint8_t proto, const Bytes& segment, const char* what) const {
    auto ph = pseudo_header_sum(i, proto, segment.size());
    if (!ph) {
      throw std::logic_error(std::string(what) +
                             " is not directly inside ipv4/ipv6; set opts.checksum");
    }
    return inet_checksum(segment.data(), segment.size(), static_cast<uint32_t>(fold(*ph)));
  }

  Bytes emit(size_t i, const EthLayer& l, const Bytes& inner) const {
    Bytes b;
    put_array(b, l.dst);
    put_array(b, l.src);
    put16(b, next_ethertype(i, l.opts.ethertype, "eth"));
    append(b, inner);
    return b;
  }

  Bytes emit(size_t i, const VlanLayer& l, const Bytes& inner) const {
    if (i == 0 || !(std::holds_alternative<EthLayer>(layers_[i - 1]) ||
                    std::holds_alternative<VlanLayer>(layers_[i - 1]))) {
      throw std::logic_error("vlan() must follow eth() or vlan()");
    }
    Bytes b;
    put16(b, (static_cast<unsigned>(l.pcp) << 13) | (l.opts.dei ? 0x1000u : 0u) | l.vid);
    put16(b, next_ethertype(i, l.opts.ethertype, "vlan"));
    append(b, inner);
    return b;
  }

  Bytes emit(size_t i, const Ipv4Layer& l, const Bytes& inner) const {
    const Ipv4Opts& o = l.opts;
    const size_t hdr_len = 20 + o.options.size();
    Bytes b;
    put8(b, 0x40 | (o.ihl ? *o.ihl : hdr_len / 4));
    put8(b, o.tos);
    put16(b, o.tot_len ? *o.tot_len : checked_len16(hdr_len + inner.size(), "ipv4 tot_len"));
    put16(b, o.id);
    put16(b, (o.df ? 0x4000u : 0u) | (o.mf ? 0x2000u : 0u) | o.frag_offset);
    put8(b, o.ttl);
    put8(b, next_proto(i, o.protocol, "ipv4", false));
    put16(b, 0);
    put_array(b, l.src);
    put_array(b, l.dst);
    append(b, o.options);
    set16(b, 10, finish_checksum(inet_checksum(b.data(), b.size()), o.checksum, o.bad_checksum));
    append(b, inner);
    return b;
  }

  Bytes emit(size_t i, const Ipv6Layer& l, const Bytes& inner) const {
    const Ipv6Opts& o = l.opts;
    Bytes b;
    put32(b, (6u << 28) | (static_cast<uint32_t>(o.traffic_class) << 20) | o.flow_label);
    put16(b, o.payload_len ? *o.payload_len : checked_len16(inner.size(), "ipv6 payload_len"));
    put8(b, next_proto(i, o.next_header, "ipv6", true));
    put8(b, o.hop_limit);
    put_array(b, l.src);
    put_array(b, l.dst);
    append(b, inner);
    return b;
  }

  Bytes emit(size_t i, const Ipv6ExtLayer& l, const Bytes& inner) const {
    Bytes b;
    put8(b, next_proto(i, l.opts.next_header, "ipv6_ext", true));
    if (l.type == kIpv6Fragment) {
      put8(b, l.opts.hdr_ext_len.value_or(0));  // reserved in the fragment header
      append(b, l.body);
      b.resize(8, 0);
    } else {
      const size_t unpadded = 2 + l.body.size();
      const size_t padded = (unpadded + 7) / 8 * 8;
      if (padded / 8 - 1 > 255) throw std::logic_error("ipv6_ext: body too long");
      put8(b, l.opts.hdr_ext_len.value_or(static_cast<uint8_t>(padded / 8 - 1)));
      append(b, l.body);
      const size_t pad = padded - unpadded;
      const bool options_header = l.type == kIpv6HopByHop || l.type == kIpv6DestOpts;
      if (options_header && pad == 1) {
        put8(b, 0);  // Pad1
      } else if (options_header && pad >= 2) {
        put8(b, 1);  // PadN
        put8(b, pad - 2);
      }
      b.resize(padded, 0);
    }
    append(b, inner);
    return b;
  }

  Bytes emit(size_t i, const TcpLayer& l, const Bytes& inner) const {
    const TcpOpts& o = l.opts;
    const size_t hdr_len = 20 + (o.options.size() + 3) / 4 * 4;
    Bytes b;
    put16(b, l.sport);
    put16(b, l.dport);
    put32(b, o.seq);
    put32(b, o.ack);
    put8(b, (o.data_offset ? *o.data_offset : hdr_len / 4) << 4);
    put8(b, o.flags);
    put16(b, o.window);
    put16(b, 0);
    put16(b, o.urg_ptr);
    append(b, o.options);
    b.resize(hdr_len, 0);
    append(b, inner);
    const uint16_t sum = o.checksum ? 0 : l4_checksum(i, kProtoTcp, b, "tcp");
    set16(b, 16, finish_checksum(sum, o.checksum, o.bad_checksum));
    return b;
  }

  Bytes emit(size_t i, const UdpLayer& l, const Bytes& inner) const {
    const UdpOpts& o = l.opts;
    Bytes b;
    put16(b, l.sport);
    put16(b, l.dport);
    put16(b, o.len ? *o.len : checked_len16(8 + inner.size(), "udp length"));
    put16(b, 0);
    append(b, inner);
    uint16_t sum = 0;
    if (!o.checksum) {
      sum = l4_checksum(i, kProtoUdp, b, "udp");
      if (sum == 0) sum = 0xffff;  // 0 means "no checksum" (RFC 768, RFC 8200 8.1)
    }
    set16(b, 6, finish_checksum(sum, o.checksum, o.bad_checksum));
    return b;
  }

  Bytes emit(size_t i, const IcmpLayer& l, const Bytes& inner) const {
    Bytes b;
    put8(b, l.type);
    put8(b, l.code);
    put16(b, 0);
    put32(b, l.rest);
    append(b, inner);
    uint16_t sum = 0;
    if (!l.opts.checksum) {
      sum = l.v6 ? l4_checksum(i, kProtoIcmpv6, b, "icmp6") : inet_checksum(b.data(), b.size());
    }
    set16(b, 2, finish_checksum(sum, l.opts.checksum, l.opts.bad_checksum));
    return b;
  }

  Bytes emit(size_t, const PayloadLayer& l, const Bytes& inner) const {
    Bytes b = l.bytes;
    append(b, inner);
    return b;
  }

  const std::vector<Layer>& layers_;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Width of the offset column: at least 4 hex digits.
int offset_width(size_t max_len) {
  int w = 4;
  while (max_len > (size_t{1} << (4 * w))) ++w;
  return w;
}

std::string hex_offset(size_t off, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*zx", width, off);
  return buf;
}

// One hexdump row for bytes[off, off+16), without newline.
std::string dump_line(const Bytes& bytes, size_t off, int width) {
  std::string s = hex_offset(off, width) + "  ";
  std::string ascii;
  for (size_t j = 0; j < 16; ++j) {
    if (off + j < bytes.size()) {
      char buf[4];
      const uint8_t v = bytes[off + j];
      std::snprintf(buf, sizeof buf, "%02x ", v);
      s += buf;
      ascii += std::isprint(v) ? static_cast<char>(v) : '.';
    } else {
      s += "   ";
    }
    if (j == 7) s += ' ';
  }
  s += " |" + ascii + "|";
  return s;
}

bool differs_at(const Bytes& a, const Bytes& b, size_t off) {
  const bool in_a = off < a.size(), in_b = off < b.size();
  if (in_a != in_b) return true;
  return in_a && a[off] != b[off];
}

}  // namespace

// ---------------------------------------------------------------------------
// Parsers

std::array<uint8_t, 6> parse_mac(std::string_view text) {
  std::array<uint8_t, 6> mac{};
  if (text.size() != 17) throw std::invalid_argument("invalid MAC address: '" + std::string(text) + "'");
  for (size_t k = 0; k < 6; ++k) {
    const int hi = hex_value(text[k * 3]), lo = hex_value(text[k * 3 + 1]);
    if (hi < 0 || lo < 0 || (k < 5 && text[k * 3 + 2] != ':')) {
      throw std::invalid_argument("invalid MAC address: '" + std::string(text) + "'");
    }
    mac[k] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

std::array<uint8_t, 4> parse_ipv4(std::string_view text) {
  std::array<uint8_t, 4> a{};
  const std::string s(text);
  if (s.find('\0') != std::string::npos || inet_pton(AF_INET, s.c_str(), a.data()) != 1) {
    throw std::invalid_argument("invalid IPv4 address: '" + s + "'");
  }
  return a;
}

std::array<uint8_t, 16> parse_ipv6(std::string_view text) {
  std::array<uint8_t, 16> a{};
  const std::string s(text);
  if (s.find('\0') != std::string::npos || inet_pton(AF_INET6, s.c_str(), a.data()) != 1) {
    throw std::invalid_argument("invalid IPv6 address: '" + s + "'");
  }
  return a;
}

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t initial) {
  return static_cast<uint16_t>(~fold(uint64_t{initial} + sum_words(data, len)));
}

// ---------------------------------------------------------------------------
// Builder

PacketBuilder& PacketBuilder::eth(std::string_view src_mac, std::string_view dst_mac,
                                  EthOpts opts) {
  layers_.emplace_back(EthLayer{parse_mac(src_mac), parse_mac(dst_mac), opts});
  return *this;
}

PacketBuilder& PacketBuilder::vlan(uint16_t vid, uint16_t tpid, uint8_t pcp, VlanOpts opts) {
  if (vid > 4095) throw std::invalid_argument("vlan id out of range: " + std::to_string(vid));
  if (pcp > 7) throw std::invalid_argument("vlan pcp out of range: " + std::to_string(pcp));
  layers_.emplace_back(VlanLayer{vid, tpid, pcp, opts});
  return *this;
}

PacketBuilder& PacketBuilder::ipv4(std::string_view src, std::string_view dst, Ipv4Opts opts) {
  if (opts.options.size() % 4 != 0 || opts.options.size() > 40) {
    throw std::invalid_argument("ipv4 options must be a multiple of 4 bytes, at most 40; got " +
                                std::to_string(opts.options.size()));
  }
  if (opts.frag_offset > 0x1fff) {
    throw std::invalid_argument("ipv4 frag_offset exceeds 13 bits: " +
                                std::to_string(opts.frag_offset));
  }
  if (opts.ihl && *opts.ihl > 15) {
    throw std::invalid_argument("ipv4 ihl exceeds 4 bits: " + std::to_string(*opts.ihl));
  }
  layers_.emplace_back(Ipv4Layer{parse_ipv4(src), parse_ipv4(dst), std::move(opts)});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6(std::string_view src, std::string_view dst, Ipv6Opts opts) {
  if (opts.flow_label > 0xfffff) {
    throw std::invalid_argument("ipv6 flow_label exceeds 20 bits: " +
                                std::to_string(opts.flow_label));
  }
  layers_.emplace_back(Ipv6Layer{parse_ipv6(src), parse_ipv6(dst), opts});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_ext(uint8_t type, Bytes body, Ipv6ExtOpts opts) {
  if (type == kIpv6Fragment && body.size() > 6) {
    throw std::invalid_argument("ipv6 fragment header body must be at most 6 bytes; got " +
                                std::to_string(body.size()));
  }
  layers_.emplace_back(Ipv6ExtLayer{type, std::move(body), opts});
  return *this;
}

PacketBuilder& PacketBuilder::ipv6_frag(uint16_t frag_offset, bool more_fragments, uint32_t id) {
  if (frag_offset > 0x1fff) {
    throw std::invalid_argument("ipv6 fragment offset exceeds 13 bits: " +
                                std::to_string(frag_offset));
  }
  Bytes body;
  put16(body, (static_cast<unsigned>(frag_offset) << 3) | (more_fragments ? 1u : 0u));
  put32(body, id);
  return ipv6_ext(kIpv6Fragment, std::move(body));
}

PacketBuilder& PacketBuilder::ipv6_srh(const std::vector<std::string>& segments,
                                       uint8_t segments_left) {
  if (segments.empty() || segments.size() > 128) {
    throw std::invalid_argument("ipv6_srh needs 1..128 segments");
  }
  Bytes body;
  put8(body, 4);  // routing type: Segment Routing Header (RFC 8754)
  put8(body, segments_left);
  put8(body, static_cast<unsigned>(segments.size() - 1));  // last entry
  put8(body, 0);                                           // flags
  put16(body, 0);                                          // tag
  for (const auto& s : segments) put_array(body, parse_ipv6(s));
  return ipv6_ext(kIpv6Routing, std::move(body));
}

PacketBuilder& PacketBuilder::tcp(uint16_t sport, uint16_t dport, TcpOpts opts) {
  if (opts.options.size() > 40) {
    throw std::invalid_argument("tcp options exceed 40 bytes: " +
                                std::to_string(opts.options.size()));
  }
  if (opts.data_offset && *opts.data_offset > 15) {
    throw std::invalid_argument("tcp data_offset exceeds 4 bits: " +
                                std::to_string(*opts.data_offset));
  }
  layers_.emplace_back(TcpLayer{sport, dport, std::move(opts)});
  return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t sport, uint16_t dport, UdpOpts opts) {
  layers_.emplace_back(UdpLayer{sport, dport, opts});
  return *this;
}

PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code, uint32_t rest, IcmpOpts opts) {
  layers_.emplace_back(IcmpLayer{false, type, code, rest, opts});
  return *this;
}

PacketBuilder& PacketBuilder::icmp6(uint8_t type, uint8_t code, uint32_t rest, IcmpOpts opts) {
  layers_.emplace_back(IcmpLayer{true, type, code, rest, opts});
  return *this;
}

PacketBuilder& PacketBuilder::payload(Bytes bytes) {
  layers_.emplace_back(PayloadLayer{std::move(bytes)});
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::string_view text) {
  return payload(Bytes(text.begin(), text.end()));
}

Bytes PacketBuilder::build() const { return Serializer(layers_).run(); }

// ---------------------------------------------------------------------------
// Helpers

Bytes truncate(Bytes pkt, size_t n) {
  if (n > pkt.size()) {
    throw std::out_of_range("truncate: " + std::to_string(n) + " > packet size " +
                            std::to_string(pkt.size()));
  }
  pkt.resize(n);
  return pkt;
}

std::string hexdump(const Bytes& bytes) {
  const int width = offset_width(bytes.size());
  std::string out;
  for (size_t off = 0; off < bytes.size(); off += 16) out += dump_line(bytes, off, width) + "\n";
  return out;
}

std::string diff_bytes(const Bytes& expected, const Bytes& actual) {
  const size_t longest = std::max(expected.size(), actual.size());
  std::vector<size_t> diffs;
  for (size_t off = 0; off < longest; ++off) {
    if (differs_at(expected, actual, off)) diffs.push_back(off);
  }
  if (diffs.empty()) return {};

  const int width = offset_width(longest);
  std::string out = "expected " + std::to_string(expected.size()) + " bytes, actual " +
                    std::to_string(actual.size()) + " bytes; " + std::to_string(diffs.size()) +
                    " differing byte position(s)\nfirst differences:";
  constexpr size_t kMaxListed = 8;
  for (size_t k = 0; k < diffs.size() && k < kMaxListed; ++k) {
    const size_t off = diffs[k];
    auto byte_text = [&](const Bytes& b) {
      if (off >= b.size()) return std::string("--");
      char buf[4];
      std::snprintf(buf, sizeof buf, "%02x", b[off]);
      return std::string(buf);
    };
    out += "\n  0x" + hex_offset(off, width) + ": expected " + byte_text(expected) +
           ", actual " + byte_text(actual);
  }
  if (diffs.size() > kMaxListed) out += "\n  ...";

  // Three rows of context starting one row before the first difference.
  const size_t first_row = diffs.front() / 16 * 16;
  const size_t start = first_row >= 16 ? first_row - 16 : 0;
  const size_t end = std::min(start + 48, (longest + 15) / 16 * 16);
  out += "\naround 0x" + hex_offset(diffs.front(), width) + " (exp = expected, act = actual, ^^ = differs):";
  for (size_t row = start; row < end; row += 16) {
    out += "\nexp " + dump_line(expected, row, width);
    out += "\nact " + dump_line(actual, row, width);
    std::string marks(4 + static_cast<size_t>(width) + 2, ' ');
    bool any = false;
    for (size_t j = 0; j < 16; ++j) {
      const bool d = differs_at(expected, actual, row + j);
      any = any || d;
      marks += d ? "^^ " : "   ";
      if (j == 7) marks += ' ';
    }
    if (any) {
      marks.erase(marks.find_last_not_of(' ') + 1);
      out += "\n" + marks;
    }
  }
  out += "\n";
  return out;
}

}  // namespace xlb::testing
