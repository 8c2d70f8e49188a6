// Tests for the test-support packet builder. Expected values are either
// literal wire bytes worked out by hand (see comments) or checked with an
// independent checksum verifier written below, never with the builder's own
// checksum routine.
#include "support/packet_builder.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace xlb::testing {
namespace {

constexpr const char* kMacA = "02:00:00:00:00:01";
constexpr const char* kMacB = "02:00:00:00:00:02";

// ---------------------------------------------------------------------------
// Independent helpers (deliberately not using the builder's implementation).

uint16_t get16(const Bytes& p, size_t off) {
  return static_cast<uint16_t>(p.at(off) << 8 | p.at(off + 1));
}

uint32_t get32(const Bytes& p, size_t off) {
  return uint32_t{get16(p, off)} << 16 | get16(p, off + 2);
}

// One's complement sum of 16-bit big-endian words of p[off, off+len), an odd
// last byte being the high half of a final word.
uint32_t word_sum(const Bytes& p, size_t off, size_t len) {
  uint32_t s = 0;
  for (size_t k = 0; k < len; ++k) {
    s += (k % 2 == 0) ? uint32_t{p.at(off + k)} << 8 : uint32_t{p.at(off + k)};
  }
  return s;
}

uint16_t fold16(uint32_t s) {
  while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// Folded sum over an IPv4 header including its checksum: 0xffff when valid.
uint16_t ipv4_header_sum(const Bytes& p, size_t ip_off) {
  const size_t ihl = (p.at(ip_off) & 0x0f) * 4u;
  return fold16(word_sum(p, ip_off, ihl));
}

// Folded sum of IPv4 pseudo-header + whole L4 segment (to the end of p):
// 0xffff when the L4 checksum is valid.
uint16_t l4_sum_v4(const Bytes& p, size_t ip_off, size_t l4_off, uint8_t proto) {
  const size_t len = p.size() - l4_off;
  uint32_t s = word_sum(p, ip_off + 12, 8);  // src + dst
  s += proto;
  s += static_cast<uint32_t>(len);
  s += word_sum(p, l4_off, len);
  return fold16(s);
}

// Same for IPv6. `dst` replaces the header's destination (routing header case).
uint16_t l4_sum_v6(const Bytes& p, size_t ip_off, size_t l4_off, uint8_t proto,
                   std::optional<std::array<uint8_t, 16>> dst = std::nullopt) {
  const size_t len = p.size() - l4_off;
  uint32_t s = word_sum(p, ip_off + 8, 16);  // src
  if (dst) {
    Bytes d(dst->begin(), dst->end());
    s += word_sum(d, 0, 16);
  } else {
    s += word_sum(p, ip_off + 24, 16);
  }
  s += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff);
  s += proto;
  s += word_sum(p, l4_off, len);
  return fold16(s);
}

Bytes hex(const std::string& text) {
  Bytes out;
  std::string digits;
  for (char c : text) {
    if (c != ' ' && c != '\n') digits += c;
  }
  for (size_t k = 0; k + 1 < digits.size(); k += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(k, 2), nullptr, 16)));
  }
  return out;
}

Bytes slice(const Bytes& p, size_t off, size_t len) {
  return Bytes(p.begin() + static_cast<std::ptrdiff_t>(off),
               p.begin() + static_cast<std::ptrdiff_t>(off + len));
}

// ---------------------------------------------------------------------------
// IPv4 header

TEST(PacketBuilderTest, Ipv4TextbookHeaderChecksum) {
  // Classic worked example: 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7.
  const Bytes pkt = PacketBuilder()
                        .ipv4("192.168.0.1", "192.168.0.199",
                              {.df = true, .protocol = 17, .tot_len = 0x73})
                        .build();
  EXPECT_EQ(diff_bytes(hex("45000073 00004000 4011b861 c0a80001 c0a800c7"), pkt), "");
  EXPECT_EQ(ipv4_header_sum(pkt, 0), 0xffff);
}

TEST(PacketBuilderTest, Ipv4HandComputedChecksum) {
  // Header words: 4500 0028 1234 4000 4006 [csum] 0a00 0001 0a00 0002
  //   4500+0028=4528, +1234=575c, +4000=975c, +4006=d762, +0a00=e162,
  //   +0001=e163, +0a00=eb63, +0002=eb65 (no carry)  ->  ~eb65 = 149a.
  const Bytes pkt = PacketBuilder()
                        .ipv4("10.0.0.1", "10.0.0.2", {.id = 0x1234, .df = true})
                        .tcp(1, 2)
                        .build();
  ASSERT_EQ(pkt.size(), 40u);
  EXPECT_EQ(diff_bytes(hex("45000028 12344000 4006149a 0a000001 0a000002"), slice(pkt, 0, 20)),
            "");
}

TEST(PacketBuilderTest, Ipv4FieldsFlagsFragmentsAndOptions) {
  const Bytes pkt = PacketBuilder()
                        .ipv4("198.18.0.1", "198.18.0.2",
                              {.ttl = 7,
                               .tos = 0xb8,
                               .id = 0xabcd,
                               .df = false,
                               .mf = true,
                               .frag_offset = 185,
                               .options = {0x94, 0x04, 0x00, 0x00}})  // router alert
                        .udp(1000, 2000)
                        .build();
  ASSERT_EQ(pkt.size(), 24u + 8u);
  EXPECT_EQ(pkt[0], 0x46);  // version 4, IHL 6 (one option word)
  EXPECT_EQ(pkt[1], 0xb8);
  EXPECT_EQ(get16(pkt, 2), 32);
  EXPECT_EQ(get16(pkt, 4), 0xabcd);
  EXPECT_EQ(get16(pkt, 6), 0x2000 | 185);  // MF | offset 185
  EXPECT_EQ(pkt[8], 7);
  EXPECT_EQ(pkt[9], 17);
  EXPECT_EQ(get32(pkt, 20), 0x94040000u);
  EXPECT_EQ(ipv4_header_sum(pkt, 0), 0xffff);
  EXPECT_EQ(get16(pkt, 24), 1000);
  EXPECT_EQ(get16(pkt, 28), 8);
  EXPECT_EQ(l4_sum_v4(pkt, 0, 24, 17), 0xffff);

  const Bytes df = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2", {.df = true}).udp(1, 2).build();
  EXPECT_EQ(get16(df, 6), 0x4000);
}

// ---------------------------------------------------------------------------
// Full frames

TEST(PacketBuilderTest, QinQIpv4UdpExactLayout) {
  // Checksums worked out by hand:
  //  IPv4: 4500+0020+0001+0000+4011+c612+0001+c612+0002 = 21159 -> 115b -> ~ = eea4
  //  UDP:  pseudo c612 0001 c612 0002 0011 000c + 3039 0035 000c 0000 6162 6364
  //        = 28184 -> 8186 -> ~ = 7e79
  const Bytes pkt = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .vlan(100, 0x88a8, 3)
                        .vlan(200)
                        .ipv4("198.18.0.1", "198.18.0.2", {.id = 1})
                        .udp(12345, 53)
                        .payload("abcd")
                        .build();
  const Bytes expected = hex(
      "020000000002 020000000001 88a8 6064 8100 00c8 0800"  // eth, S-tag, C-tag
      "45000020 00010000 4011eea4 c6120001 c6120002"         // @22 IPv4
      "30390035 000c7e79"                                    // @42 UDP
      "61626364");                                           // @50 payload
  ASSERT_EQ(expected.size(), 54u);
  EXPECT_EQ(diff_bytes(expected, pkt), "");
  // The same facts, checked independently of the literal.
  EXPECT_EQ(ipv4_header_sum(pkt, 22), 0xffff);
  EXPECT_EQ(l4_sum_v4(pkt, 22, 42, 17), 0xffff);
}

TEST(PacketBuilderTest, VlanPcpDeiAndEthertypeOverride) {
  const Bytes pkt = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .vlan(4095, 0x8100, 7, {.dei = true})
                        .ipv6("::1", "::2")
                        .build();
  EXPECT_EQ(get16(pkt, 12), 0x8100);
  EXPECT_EQ(get16(pkt, 14), 0xffff);  // pcp 7, dei 1, vid 4095
  EXPECT_EQ(get16(pkt, 16), 0x86dd);

  const Bytes arp = PacketBuilder()
                        .eth(kMacA, "ff:ff:ff:ff:ff:ff", {.ethertype = 0x0806})
                        .payload(Bytes{0x00, 0x01})
                        .build();
  EXPECT_EQ(diff_bytes(hex("ffffffffffff 020000000001 0806 0001"), arp), "");
}

// ---------------------------------------------------------------------------
// Transport checksums

TEST(PacketBuilderTest, TcpOverIpv4ChecksumVerifiesWithOptionsAndOddPayload) {
  const Bytes pkt = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv4("198.18.0.1", "198.51.100.7")
                        .tcp(40000, 443,
                             {.flags = kTcpSyn | kTcpAck,
                              .seq = 0x01020304,
                              .ack = 0xa0b0c0d0,
                              .window = 29200,
                              .options = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x01}})
                        .payload("hello")
                        .build();
  const size_t l4 = 14 + 20;
  ASSERT_EQ(pkt.size(), l4 + 28 + 5);
  EXPECT_EQ(get16(pkt, 12), 0x0800);
  EXPECT_EQ(pkt[14 + 9], 6);
  EXPECT_EQ(get16(pkt, 14 + 2), 20 + 28 + 5);
  EXPECT_EQ(get16(pkt, l4), 40000);
  EXPECT_EQ(get16(pkt, l4 + 2), 443);
  EXPECT_EQ(get32(pkt, l4 + 4), 0x01020304u);
  EXPECT_EQ(get32(pkt, l4 + 8), 0xa0b0c0d0u);
  EXPECT_EQ(pkt[l4 + 12], 7 << 4);  // 20 + 7 option bytes padded to 8 -> 28 = 7 words
  EXPECT_EQ(pkt[l4 + 13], 0x12);
  EXPECT_EQ(get16(pkt, l4 + 14), 29200);
  EXPECT_EQ(diff_bytes(hex("020405b4 01010100"), slice(pkt, l4 + 20, 8)), "");  // EOL pad
  EXPECT_EQ(ipv4_header_sum(pkt, 14), 0xffff);
  EXPECT_EQ(l4_sum_v4(pkt, 14, l4, 6), 0xffff);
}

TEST(PacketBuilderTest, TcpAndUdpOverIpv6ChecksumsVerify) {
  const Bytes tcp = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv6("2001:db8::1", "2001:db8:ffff::2")
                        .tcp(1234, 80, {.flags = kTcpPsh | kTcpAck, .seq = 99})
                        .payload("GET / HTTP/1.0\r\n\r\n")
                        .build();
  EXPECT_EQ(get16(tcp, 12), 0x86dd);
  EXPECT_EQ(tcp[14 + 6], 6);
  EXPECT_EQ(get16(tcp, 14 + 4), 20 + 18);
  EXPECT_EQ(l4_sum_v6(tcp, 14, 54, 6), 0xffff);

  const Bytes udp = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .udp(5353, 5353)
                        .payload("odd")
                        .build();
  EXPECT_EQ(udp[6], 17);
  EXPECT_EQ(get16(udp, 4), 11);
  EXPECT_EQ(get16(udp, 44), 11);
  EXPECT_EQ(l4_sum_v6(udp, 0, 40, 17), 0xffff);
}

TEST(PacketBuilderTest, UdpComputedZeroChecksumIsSentAsFfff) {
  // Build once with a zero payload word; its checksum c is ~S. Using c itself
  // as the payload word adds exactly ~S to the sum, making it 0xffff, so the
  // computed checksum becomes 0 and must be transmitted as 0xffff.
  for (bool v6 : {true, false}) {
    auto make = [&](Bytes word) {
      PacketBuilder b;
      if (v6) {
        b.ipv6("2001:db8::10", "2001:db8::20");
      } else {
        b.ipv4("198.18.0.10", "198.18.0.20");
      }
      return b.udp(7, 9).payload(std::move(word)).build();
    };
    const size_t l4 = v6 ? 40 : 20;
    const Bytes probe = make({0, 0});
    const uint16_t c = get16(probe, l4 + 6);
    ASSERT_NE(c, 0xffff);  // would mean S == 0, which this address choice avoids
    const Bytes pkt = make({static_cast<uint8_t>(c >> 8), static_cast<uint8_t>(c & 0xff)});
    EXPECT_EQ(get16(pkt, l4 + 6), 0xffff) << (v6 ? "ipv6" : "ipv4");
    EXPECT_EQ(v6 ? l4_sum_v6(pkt, 0, l4, 17) : l4_sum_v4(pkt, 0, l4, 17), 0xffff);
  }
}

// ---------------------------------------------------------------------------
// IPv6 extension headers

TEST(PacketBuilderTest, Ipv6HopByHopAndSrhChainNextHeaders) {
  const std::string final_dst = "2001:db8:f::1";
  const Bytes pkt = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8:a::1")
                        .ipv6_ext(kIpv6HopByHop, {0x05, 0x02, 0x00, 0x00})  // router alert
                        .ipv6_srh({final_dst, "2001:db8:a::1"}, 1)
                        .udp(1111, 2222)
                        .payload("xyz")
                        .build();
  // 40 IPv6 | 8 hop-by-hop | 40 SRH | 8 UDP | 3 payload
  ASSERT_EQ(pkt.size(), 40u + 8 + 40 + 8 + 3);
  EXPECT_EQ(get16(pkt, 4), 8 + 40 + 8 + 3);  // payload length includes ext headers
  EXPECT_EQ(pkt[6], 0);                       // -> hop-by-hop
  // Hop-by-hop: next 43, len 0, router alert, then PadN of 2 (01 00).
  EXPECT_EQ(diff_bytes(hex("2b00 05020000 0100"), slice(pkt, 40, 8)), "");
  // SRH: next 17, len (40/8)-1 = 4, type 4, segments left 1, last entry 1.
  EXPECT_EQ(diff_bytes(hex("1104 0401 0100 0000"), slice(pkt, 48, 8)), "");
  const auto final_addr = parse_ipv6(final_dst);
  EXPECT_EQ(slice(pkt, 56, 16), Bytes(final_addr.begin(), final_addr.end()));
  EXPECT_EQ(get16(pkt, 88), 1111);
  EXPECT_EQ(get16(pkt, 92), 11);
  // The pseudo-header uses the final destination, and the UDP length only.
  EXPECT_EQ(l4_sum_v6(pkt, 0, 88, 17, parse_ipv6(final_dst)), 0xffff);
  EXPECT_NE(l4_sum_v6(pkt, 0, 88, 17), 0xffff);
}

TEST(PacketBuilderTest, Ipv6RoutingWithNoSegmentsLeftUsesHeaderDestination) {
  const Bytes pkt = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .ipv6_srh({"2001:db8::2", "2001:db8::99"}, 0)
                        .tcp(1, 2, {.flags = kTcpRst})
                        .build();
  EXPECT_EQ(pkt[6], 43);
  EXPECT_EQ(pkt[40], 6);
  EXPECT_EQ(l4_sum_v6(pkt, 0, 80, 6), 0xffff);
}

TEST(PacketBuilderTest, Ipv6GenericRoutingUsesLastAddress) {
  // Type 0 style layout: type, segments left, 4 reserved bytes, addresses.
  Bytes body = {0, 2, 0, 0, 0, 0};
  for (const char* a : {"2001:db8::a", "2001:db8::b"}) {
    auto addr = parse_ipv6(a);
    body.insert(body.end(), addr.begin(), addr.end());
  }
  const Bytes pkt = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .ipv6_ext(kIpv6Routing, body)
                        .udp(1, 2)
                        .build();
  EXPECT_EQ(pkt[41], 4);  // (2 + 38) / 8 - 1
  EXPECT_EQ(l4_sum_v6(pkt, 0, 80, 17, parse_ipv6("2001:db8::b")), 0xffff);
}

TEST(PacketBuilderTest, Ipv6OptionsPaddingPad1PadNAndDestOpts) {
  // 5-byte body: 2 + 5 = 7 -> one Pad1 byte.
  const Bytes pad1 = PacketBuilder()
                         .ipv6("::1", "::2")
                         .ipv6_ext(kIpv6DestOpts, {0x1e, 0x03, 0xaa, 0xbb, 0xcc})
                         .build();
  ASSERT_EQ(pad1.size(), 48u);
  EXPECT_EQ(pad1[6], 60);
  EXPECT_EQ(diff_bytes(hex("3b00 1e03aabbcc 00"), slice(pad1, 40, 8)), "");  // next = 59

  // Empty body -> PadN covering 6 bytes; 11-byte body -> 16 bytes, PadN of 3.
  const Bytes padn = PacketBuilder()
                         .ipv6("::1", "::2")
                         .ipv6_ext(kIpv6HopByHop)
                         .ipv6_ext(kIpv6DestOpts, Bytes(11, 0xee))
                         .icmp6(128, 0, 0x00010002)
                         .build();
  ASSERT_EQ(padn.size(), 40u + 8 + 16 + 8);
  EXPECT_EQ(padn[6], 0);
  EXPECT_EQ(diff_bytes(hex("3c00 0104 00000000"), slice(padn, 40, 8)), "");
  EXPECT_EQ(padn[48], 58);
  EXPECT_EQ(padn[49], 1);
  EXPECT_EQ(diff_bytes(hex("01 01 00"), slice(padn, 61, 3)), "");
  EXPECT_EQ(l4_sum_v6(padn, 0, 64, 58), 0xffff);
}

TEST(PacketBuilderTest, Ipv6FragmentHeader) {
  const Bytes pkt = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .ipv6_frag(185, true, 0xdeadbeef)
                        .udp(1, 2)
                        .build();
  EXPECT_EQ(pkt[6], 44);
  // next 17, reserved 0, offset 185 << 3 | M = 0x05c9, id.
  EXPECT_EQ(diff_bytes(hex("1100 05c9 deadbeef"), slice(pkt, 40, 8)), "");
  EXPECT_EQ(get16(pkt, 4), 16);

  const Bytes raw = PacketBuilder().ipv6("::1", "::2").ipv6_ext(kIpv6Fragment).tcp(1, 2).build();
  EXPECT_EQ(diff_bytes(hex("0600 0000 00000000"), slice(raw, 40, 8)), "");
}

// ---------------------------------------------------------------------------
// Tunnels

TEST(PacketBuilderTest, IpipStacking) {
  const Bytes pkt = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv4("10.0.0.1", "10.0.0.2", {.ttl = 32})
                        .ipv4("198.18.0.1", "198.18.0.2")
                        .tcp(1000, 80, {.flags = kTcpSyn})
                        .payload("data")
                        .build();
  ASSERT_EQ(pkt.size(), 14u + 20 + 20 + 20 + 4);
  EXPECT_EQ(get16(pkt, 12), 0x0800);
  EXPECT_EQ(pkt[14 + 9], 4);  // IPPROTO_IPIP
  EXPECT_EQ(get16(pkt, 14 + 2), 64);
  EXPECT_EQ(pkt[14 + 8], 32);
  EXPECT_EQ(pkt[34 + 9], 6);
  EXPECT_EQ(get16(pkt, 34 + 2), 44);
  EXPECT_EQ(ipv4_header_sum(pkt, 14), 0xffff);
  EXPECT_EQ(ipv4_header_sum(pkt, 34), 0xffff);
  EXPECT_EQ(l4_sum_v4(pkt, 34, 54, 6), 0xffff);  // inner addresses
  EXPECT_NE(l4_sum_v4(pkt, 14, 54, 6), 0xffff);
}

TEST(PacketBuilderTest, SixInSixStacking) {
  const Bytes pkt = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv6("fd00::1", "fd00::2")
                        .ipv6("2001:db8::1", "2001:db8::2", {.hop_limit = 9})
                        .udp(53, 53)
                        .build();
  ASSERT_EQ(pkt.size(), 14u + 40 + 40 + 8);
  EXPECT_EQ(get16(pkt, 12), 0x86dd);
  EXPECT_EQ(pkt[14 + 6], 41);
  EXPECT_EQ(get16(pkt, 14 + 4), 48);
  EXPECT_EQ(pkt[54 + 6], 17);
  EXPECT_EQ(pkt[54 + 7], 9);
  EXPECT_EQ(get16(pkt, 54 + 4), 8);
  EXPECT_EQ(l4_sum_v6(pkt, 54, 94, 17), 0xffff);
}

TEST(PacketBuilderTest, FourInSixStacking) {
  const Bytes pkt = PacketBuilder()
                        .eth(kMacA, kMacB)
                        .ipv6("fd00::1", "fd00::2")
                        .ipv4("198.18.0.1", "198.18.0.2")
                        .udp(53, 53)
                        .payload("q")
                        .build();
  ASSERT_EQ(pkt.size(), 14u + 40 + 20 + 8 + 1);
  EXPECT_EQ(get16(pkt, 12), 0x86dd);
  EXPECT_EQ(pkt[14 + 6], 4);
  EXPECT_EQ(get16(pkt, 14 + 4), 29);
  EXPECT_EQ(get16(pkt, 54 + 2), 29);
  EXPECT_EQ(ipv4_header_sum(pkt, 54), 0xffff);
  EXPECT_EQ(l4_sum_v4(pkt, 54, 74, 17), 0xffff);
}

TEST(PacketBuilderTest, SixInFourStacking) {
  const Bytes pkt = PacketBuilder()
                        .ipv4("10.0.0.1", "10.0.0.2")
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .tcp(1, 2)
                        .build();
  EXPECT_EQ(pkt[9], 41);
  EXPECT_EQ(get16(pkt, 2), 20 + 40 + 20);
  EXPECT_EQ(l4_sum_v6(pkt, 20, 60, 6), 0xffff);
}

TEST(PacketBuilderTest, GueStyleIpOverUdp) {
  const Bytes pkt = PacketBuilder()
                        .ipv4("10.0.0.1", "10.0.0.2")
                        .udp(50000, 6080)
                        .ipv4("198.18.0.1", "198.18.0.2")
                        .tcp(1, 2)
                        .build();
  EXPECT_EQ(pkt[9], 17);
  EXPECT_EQ(get16(pkt, 24), 8 + 40);
  EXPECT_EQ(l4_sum_v4(pkt, 0, 20, 17), 0xffff);
  EXPECT_EQ(l4_sum_v4(pkt, 28, 48, 6), 0xffff);
}

// ---------------------------------------------------------------------------
// ICMP

TEST(PacketBuilderTest, IcmpEchoAndErrorWithEmbeddedPacket) {
  const Bytes echo = PacketBuilder()
                         .ipv4("198.18.0.1", "198.18.0.2")
                         .icmp(8, 0, 0x12340001)
                         .payload("ping")
                         .build();
  EXPECT_EQ(echo[9], 1);
  EXPECT_EQ(diff_bytes(hex("0800"), slice(echo, 20, 2)), "");
  EXPECT_EQ(get32(echo, 24), 0x12340001u);
  EXPECT_EQ(fold16(word_sum(echo, 20, echo.size() - 20)), 0xffff);  // no pseudo-header

  // Fragmentation needed, MTU 1400, quoting the first 28 bytes of the original.
  const Bytes original =
      PacketBuilder().ipv4("198.18.0.2", "198.18.0.1").udp(53, 4000).payload("0123456789").build();
  const Bytes err = PacketBuilder()
                        .ipv4("10.0.0.254", "198.18.0.2")
                        .icmp(3, 4, 1400)
                        .payload(truncate(original, 28))
                        .build();
  ASSERT_EQ(err.size(), 20u + 8 + 28);
  EXPECT_EQ(get16(err, 2), 56);
  EXPECT_EQ(get16(err, 26), 1400);
  EXPECT_EQ(slice(err, 28, 28), truncate(original, 28));
  EXPECT_EQ(fold16(word_sum(err, 20, err.size() - 20)), 0xffff);
}

TEST(PacketBuilderTest, Icmp6UsesPseudoHeader) {
  const Bytes pkt = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .icmp6(2, 0, 1280)  // packet too big
                        .payload(Bytes(48, 0x5a))
                        .build();
  EXPECT_EQ(pkt[6], 58);
  EXPECT_EQ(l4_sum_v6(pkt, 0, 40, 58), 0xffff);
}

// ---------------------------------------------------------------------------
// Overrides for malformed packets

TEST(PacketBuilderTest, Ipv4Overrides) {
  const Bytes pkt = PacketBuilder()
                        .ipv4("1.2.3.4", "5.6.7.8",
                              {.protocol = 200, .tot_len = 1500, .checksum = 0xbeef, .ihl = 4})
                        .udp(1, 2)
                        .build();
  ASSERT_EQ(pkt.size(), 28u);  // layout unchanged
  EXPECT_EQ(pkt[0], 0x44);
  EXPECT_EQ(get16(pkt, 2), 1500);  // beyond the frame
  EXPECT_EQ(pkt[9], 200);
  EXPECT_EQ(get16(pkt, 10), 0xbeef);
  EXPECT_EQ(l4_sum_v4(pkt, 0, 20, 17), 0xffff);  // UDP still valid for its real proto

  const Bytes bad = PacketBuilder().ipv4("1.2.3.4", "5.6.7.8", {.bad_checksum = true}).tcp(1, 2).build();
  const Bytes good = PacketBuilder().ipv4("1.2.3.4", "5.6.7.8").tcp(1, 2).build();
  EXPECT_EQ(ipv4_header_sum(good, 0), 0xffff);
  EXPECT_NE(ipv4_header_sum(bad, 0), 0xffff);
  EXPECT_EQ(slice(bad, 0, 10), slice(good, 0, 10));
  EXPECT_EQ(slice(bad, 12, 28), slice(good, 12, 28));

  const Bytes big_ihl = PacketBuilder().ipv4("1.2.3.4", "5.6.7.8", {.ihl = 15}).tcp(1, 2).build();
  EXPECT_EQ(big_ihl[0], 0x4f);
  EXPECT_EQ(big_ihl.size(), 40u);
}

TEST(PacketBuilderTest, Ipv6Overrides) {
  const Bytes pkt = PacketBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2",
                              {.hop_limit = 1,
                               .traffic_class = 0xab,
                               .flow_label = 0xcdef1,
                               .next_header = 250,
                               .payload_len = 9000})
                        .udp(1, 2)
                        .build();
  ASSERT_EQ(pkt.size(), 48u);
  EXPECT_EQ(get32(pkt, 0), 0x6abcdef1u);
  EXPECT_EQ(get16(pkt, 4), 9000);
  EXPECT_EQ(pkt[6], 250);
  EXPECT_EQ(pkt[7], 1);
  EXPECT_EQ(l4_sum_v6(pkt, 0, 40, 17), 0xffff);

  const Bytes ext = PacketBuilder()
                        .ipv6("::1", "::2")
                        .ipv6_ext(kIpv6HopByHop, {}, {.next_header = 99, .hdr_ext_len = 200})
                        .tcp(1, 2)
                        .build();
  ASSERT_EQ(ext.size(), 40u + 8 + 20);
  EXPECT_EQ(ext[40], 99);
  EXPECT_EQ(ext[41], 200);  // claims 1608 bytes
}

TEST(PacketBuilderTest, TransportOverrides) {
  const Bytes udp = PacketBuilder()
                        .ipv4("1.2.3.4", "5.6.7.8")
                        .udp(1, 2, {.len = 4000, .checksum = 0})
                        .payload("x")
                        .build();
  EXPECT_EQ(get16(udp, 24), 4000);
  EXPECT_EQ(get16(udp, 26), 0);

  const Bytes bad_udp =
      PacketBuilder().ipv6("::1", "::2").udp(1, 2, {.bad_checksum = true}).payload("x").build();
  EXPECT_NE(get16(bad_udp, 46), 0);
  EXPECT_NE(l4_sum_v6(bad_udp, 0, 40, 17), 0xffff);

  const Bytes tcp = PacketBuilder()
                        .ipv4("1.2.3.4", "5.6.7.8")
                        .tcp(1, 2, {.data_offset = 15, .checksum = 0x1234})
                        .build();
  ASSERT_EQ(tcp.size(), 40u);
  EXPECT_EQ(tcp[32], 0xf0);
  EXPECT_EQ(get16(tcp, 36), 0x1234);

  const Bytes bad_tcp =
      PacketBuilder().ipv4("1.2.3.4", "5.6.7.8").tcp(1, 2, {.bad_checksum = true}).build();
  EXPECT_NE(l4_sum_v4(bad_tcp, 0, 20, 6), 0xffff);

  const Bytes bad_icmp =
      PacketBuilder().ipv4("1.2.3.4", "5.6.7.8").icmp(8, 0, 0, {.bad_checksum = true}).build();
  EXPECT_NE(fold16(word_sum(bad_icmp, 20, 8)), 0xffff);

  // An explicit checksum lets L4 sit outside any IP layer.
  const Bytes bare = PacketBuilder().udp(1, 2, {.checksum = 0xabcd}).build();
  EXPECT_EQ(diff_bytes(hex("0001 0002 0008 abcd"), bare), "");
}

// ---------------------------------------------------------------------------
// Errors

TEST(PacketBuilderTest, InvalidTextThrowsWithTheValue) {
  auto message_of = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "<no exception>";
  };
  EXPECT_NE(message_of([] { PacketBuilder().eth("02:00:00:00:00", kMacB); }).find("02:00:00:00:00"),
            std::string::npos);
  EXPECT_NE(message_of([] { PacketBuilder().eth(kMacA, "02:00:00:00:00:0g"); })
                .find("02:00:00:00:00:0g"),
            std::string::npos);
  EXPECT_NE(message_of([] { PacketBuilder().ipv4("198.18.0.256", "1.1.1.1"); }).find("198.18.0.256"),
            std::string::npos);
  EXPECT_NE(message_of([] { PacketBuilder().ipv4("1.1.1.1", "2001:db8::1"); }).find("2001:db8::1"),
            std::string::npos);
  EXPECT_NE(message_of([] { PacketBuilder().ipv6("2001:db8:::1", "::1"); }).find("2001:db8:::1"),
            std::string::npos);
  EXPECT_NE(message_of([] { PacketBuilder().ipv6("::1", "10.0.0.1"); }).find("10.0.0.1"),
            std::string::npos);
  EXPECT_EQ(parse_mac("0A:bC:00:ff:10:01"), (std::array<uint8_t, 6>{0x0a, 0xbc, 0, 0xff, 0x10, 1}));
}

TEST(PacketBuilderTest, MisuseThrows) {
  EXPECT_THROW(PacketBuilder().vlan(4096), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().vlan(1, 0x8100, 8), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2", {.options = {1, 1, 1}}),
               std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2", {.frag_offset = 0x2000}),
               std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv6("::1", "::2", {.flow_label = 0x100000}),
               std::invalid_argument);
  EXPECT_THROW(PacketBuilder().tcp(1, 2, {.options = Bytes(41, 1)}), std::invalid_argument);
  EXPECT_THROW(PacketBuilder().ipv6_ext(kIpv6Fragment, Bytes(7, 0)), std::invalid_argument);

  // Things that cannot be derived are reported at build() time.
  EXPECT_THROW(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").payload("x").build(), std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").build(), std::logic_error);
  EXPECT_THROW(PacketBuilder().eth(kMacA, kMacB).payload("x").build(), std::logic_error);
  EXPECT_THROW(PacketBuilder().udp(1, 2).build(), std::logic_error);
  EXPECT_THROW(PacketBuilder().vlan(1).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(),
               std::logic_error);
  EXPECT_THROW(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).payload(Bytes(70000, 0)).build(),
               std::logic_error);  // UDP length does not fit in 16 bits
  // IPv6 with nothing after it is fine: next header 59.
  EXPECT_EQ(PacketBuilder().ipv6("::1", "::2").build()[6], 59);
  // A protocol override makes a raw payload acceptable.
  EXPECT_EQ(PacketBuilder().ipv4("1.1.1.1", "2.2.2.2", {.protocol = 47}).payload("x").build()[9], 47);
}

// ---------------------------------------------------------------------------
// Helpers

TEST(PacketBuilderTest, TruncateAndRepeatableBuild) {
  PacketBuilder b;
  b.eth(kMacA, kMacB).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).payload("abc");
  const Bytes full = b.build();
  EXPECT_EQ(b.build(), full);
  PacketBuilder copy = b;
  copy.payload("d");
  EXPECT_EQ(b.build(), full);
  EXPECT_EQ(copy.build().size(), full.size() + 1);

  const Bytes cut = truncate(full, 30);
  ASSERT_EQ(cut.size(), 30u);
  EXPECT_EQ(cut, slice(full, 0, 30));
  EXPECT_EQ(truncate(full, full.size()), full);
  EXPECT_TRUE(truncate(full, 0).empty());
  EXPECT_THROW(truncate(full, full.size() + 1), std::out_of_range);
}

TEST(PacketBuilderTest, HexdumpFormat) {
  const Bytes data = hex("45000073 00004000 40 11 b8 61 c0 a8 00 01 c0 a8");
  const std::string expected =
      "0000  45 00 00 73 00 00 40 00  40 11 b8 61 c0 a8 00 01  |E..s..@.@..a....|\n"
      "0010  c0 a8" +
      std::string(45, ' ') + "|..|\n";
  EXPECT_EQ(hexdump(data), expected);
  EXPECT_EQ(hexdump({}), "");
}

TEST(PacketBuilderTest, DiffBytesReportsFirstDifferences) {
  const Bytes a = PacketBuilder().eth(kMacA, kMacB).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  EXPECT_EQ(diff_bytes(a, a), "");

  Bytes b = a;
  b[22] ^= 0xff;  // TTL
  b[40] ^= 0x01;
  const std::string d = diff_bytes(a, b);
  EXPECT_NE(d.find("2 differing"), std::string::npos) << d;
  EXPECT_NE(d.find("0x0016: expected 40, actual bf"), std::string::npos) << d;
  EXPECT_NE(d.find("0x0028"), std::string::npos) << d;
  EXPECT_NE(d.find("exp 0010"), std::string::npos) << d;
  EXPECT_NE(d.find("act 0010"), std::string::npos) << d;
  EXPECT_NE(d.find("^^"), std::string::npos) << d;

  const std::string shorter = diff_bytes(a, truncate(a, 40));
  EXPECT_NE(shorter.find("expected 42 bytes, actual 40 bytes"), std::string::npos) << shorter;
  char want[64];
  std::snprintf(want, sizeof want, "0x0028: expected %02x, actual --", a[40]);
  EXPECT_NE(shorter.find(want), std::string::npos) << shorter;
}

}  // namespace
}  // namespace xlb::testing
