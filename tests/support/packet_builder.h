// Fluent builder for exact wire-format test packets.
//
// Layers are stacked from the outside in and serialised by build(). Every
// length, "next protocol" field and checksum is derived from the layers that
// follow unless the test overrides it, so that malformed packets can be built
// on purpose. Both the input and the expected output of a BPF fixture test are
// built with this class and compared byte for byte.
//
//   Bytes pkt = PacketBuilder()
//                   .eth("02:00:00:00:00:01", "02:00:00:00:00:02")
//                   .ipv4("198.18.0.1", "198.18.0.2")
//                   .tcp(40000, 80, {.flags = kTcpSyn, .seq = 1})
//                   .payload("hello")
//                   .build();
//
// Derivation rules:
//  * eth/vlan "ethertype" comes from the next layer: vlan -> its TPID,
//    ipv4 -> 0x0800, ipv6 -> 0x86dd.
//  * IPv4 protocol / IPv6 next header / extension next header come from the
//    next layer: ipv4 -> 4, ipv6 -> 41, tcp -> 6, udp -> 17, icmp -> 1,
//    icmp6 -> 58, extension header -> its type. An IPv6 header or extension
//    header with nothing after it gets 59 (No Next Header).
//  * IPv4 tot_len, IPv6 payload_len and UDP length cover everything after the
//    start of that header (resp. after the fixed IPv6 header).
//  * TCP/UDP/ICMPv6 checksums use the pseudo-header of the IP layer directly
//    enclosing them (IPv6 extension headers in between are skipped). For IPv6
//    the pseudo-header destination is the final destination: with a routing
//    header whose segments_left > 0 it is segment[0] of a Segment Routing
//    Header (type 4) or the last address of any other routing type.
//    The pseudo-header length is the real byte length of the segment, even if
//    a UDP length override is in effect.
//  * A computed UDP checksum of 0 is sent as 0xffff (RFC 768 / RFC 8200).
//
// Anything the builder cannot derive (e.g. IPv4 followed directly by a raw
// payload and no protocol override) makes build() throw std::logic_error.
// Unparseable MAC / IP text throws std::invalid_argument naming the value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xlb::testing {

using Bytes = std::vector<uint8_t>;

// TCP flag bits (byte 13 of the TCP header).
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr uint8_t kTcpEce = 0x40;
inline constexpr uint8_t kTcpCwr = 0x80;

// IPv6 extension header types accepted by ipv6_ext().
inline constexpr uint8_t kIpv6HopByHop = 0;
inline constexpr uint8_t kIpv6Routing = 43;
inline constexpr uint8_t kIpv6Fragment = 44;
inline constexpr uint8_t kIpv6DestOpts = 60;

struct EthOpts {
  std::optional<uint16_t> ethertype;  // default: from the next layer
};

struct VlanOpts {
  bool dei = false;
  std::optional<uint16_t> ethertype;  // encapsulated type; default: next layer
};

struct Ipv4Opts {
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t id = 0;
  bool df = false;
  bool mf = false;
  uint16_t frag_offset = 0;  // raw 13-bit field, in 8-octet units
  Bytes options;             // must be a multiple of 4, at most 40 bytes
  std::optional<uint8_t> protocol;
  std::optional<uint16_t> tot_len;
  std::optional<uint16_t> checksum;  // written verbatim
  std::optional<uint8_t> ihl;        // only the field changes, not the layout
  bool bad_checksum = false;         // write a checksum that does not verify
};

struct Ipv6Opts {
  uint8_t hop_limit = 64;
  uint8_t traffic_class = 0;
  uint32_t flow_label = 0;  // 20 bits
  std::optional<uint8_t> next_header;
  std::optional<uint16_t> payload_len;
};

struct Ipv6ExtOpts {
  std::optional<uint8_t> next_header;
  std::optional<uint8_t> hdr_ext_len;  // written verbatim; layout unchanged
};

struct TcpOpts {
  uint8_t flags = 0;  // kTcp* bits
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 65535;
  uint16_t urg_ptr = 0;
  Bytes options;  // zero (EOL) padded to a multiple of 4, at most 40 bytes
  std::optional<uint8_t> data_offset;  // in 32-bit words; layout unchanged
  std::optional<uint16_t> checksum;    // written verbatim
  bool bad_checksum = false;
};

struct UdpOpts {
  std::optional<uint16_t> len;
  std::optional<uint16_t> checksum;  // written verbatim (0 = "none" on IPv4)
  bool bad_checksum = false;
};

struct IcmpOpts {
  std::optional<uint16_t> checksum;
  bool bad_checksum = false;
};

namespace detail {
using Mac = std::array<uint8_t, 6>;
using Ip4 = std::array<uint8_t, 4>;
using Ip6 = std::array<uint8_t, 16>;

struct EthLayer { Mac src, dst; EthOpts opts; };
struct VlanLayer { uint16_t vid, tpid; uint8_t pcp; VlanOpts opts; };
struct Ipv4Layer { Ip4 src, dst; Ipv4Opts opts; };
struct Ipv6Layer { Ip6 src, dst; Ipv6Opts opts; };
struct Ipv6ExtLayer { uint8_t type; Bytes body; Ipv6ExtOpts opts; };
struct TcpLayer { uint16_t sport, dport; TcpOpts opts; };
struct UdpLayer { uint16_t sport, dport; UdpOpts opts; };
struct IcmpLayer { bool v6; uint8_t type, code; uint32_t rest; IcmpOpts opts; };
struct PayloadLayer { Bytes bytes; };

using Layer = std::variant<EthLayer, VlanLayer, Ipv4Layer, Ipv6Layer, Ipv6ExtLayer,
                           TcpLayer, UdpLayer, IcmpLayer, PayloadLayer>;
}  // namespace detail

class PacketBuilder {
 public:
  // Ethernet II. Note the argument order (source first); on the wire the
  // destination comes first.
  PacketBuilder& eth(std::string_view src_mac, std::string_view dst_mac, EthOpts opts = {});
  // 802.1Q / 802.1ad tag. Must follow eth() or another vlan(); the TPID is
  // written into the preceding layer's type field. Throws for vid > 4095 or pcp > 7.
  PacketBuilder& vlan(uint16_t vid, uint16_t tpid = 0x8100, uint8_t pcp = 0, VlanOpts opts = {});
  PacketBuilder& ipv4(std::string_view src, std::string_view dst, Ipv4Opts opts = {});
  PacketBuilder& ipv6(std::string_view src, std::string_view dst, Ipv6Opts opts = {});
  // Generic IPv6 extension header; `body` is everything after the two-byte
  // (next header, length) prefix. Hop-by-hop and destination options are
  // padded with Pad1/PadN options, others with zeros, to a multiple of
  // 8 octets. The fragment header (44) has a fixed 6-byte body (zero padded)
  // and a reserved length byte of 0.
  PacketBuilder& ipv6_ext(uint8_t type, Bytes body = {}, Ipv6ExtOpts opts = {});
  // Fragment header: offset in 8-octet units (13 bits), M flag, identification.
  PacketBuilder& ipv6_frag(uint16_t frag_offset, bool more_fragments, uint32_t id);
  // Segment Routing Header (routing type 4). `segments` in wire order, i.e.
  // segments[0] is the final destination; last_entry = segments.size() - 1.
  PacketBuilder& ipv6_srh(const std::vector<std::string>& segments, uint8_t segments_left);
  PacketBuilder& tcp(uint16_t sport, uint16_t dport, TcpOpts opts = {});
  PacketBuilder& udp(uint16_t sport, uint16_t dport, UdpOpts opts = {});
  // ICMPv4 (checksum over the ICMP message only). `rest` is bytes 4..7 of
  // the header (e.g. id<<16 | seq for echo, next-hop MTU for type 3 code 4).
  PacketBuilder& icmp(uint8_t type, uint8_t code, uint32_t rest = 0, IcmpOpts opts = {});
  // ICMPv6 (checksum includes the IPv6 pseudo-header).
  PacketBuilder& icmp6(uint8_t type, uint8_t code, uint32_t rest = 0, IcmpOpts opts = {});
  // Raw bytes; consecutive payload() calls concatenate.
  PacketBuilder& payload(Bytes bytes);
  PacketBuilder& payload(std::string_view text);

  Bytes build() const;

 private:
  std::vector<detail::Layer> layers_;
};

// First n bytes of pkt; throws std::out_of_range if n > pkt.size().
Bytes truncate(Bytes pkt, size_t n);

// "0000  45 00 00 73 00 00 40 00  40 11 b8 61 c0 a8 00 01  |E..s..@.@..a....|"
// 16 bytes per line, one line per row, each ending in '\n'. Empty input -> "".
std::string hexdump(const Bytes& bytes);

// Empty string if the buffers are identical; otherwise a report with the
// lengths, the number of differing bytes, the first differing offsets and a
// marked hexdump of both buffers around the first difference.
// Intended use: EXPECT_EQ(diff_bytes(expected, actual), "");
std::string diff_bytes(const Bytes& expected, const Bytes& actual);

// Text parsers used by the builder (exposed for map keys etc.). They throw
// std::invalid_argument with the offending text.
std::array<uint8_t, 6> parse_mac(std::string_view text);
std::array<uint8_t, 4> parse_ipv4(std::string_view text);
std::array<uint8_t, 16> parse_ipv6(std::string_view text);

// RFC 1071 Internet checksum (one's complement of the folded one's complement
// sum) over data, starting from a partial 32-bit sum.
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t initial = 0);

}  // namespace xlb::testing
