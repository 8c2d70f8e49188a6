// Byte-for-byte fixtures for the L4 XDP program: each case is an input
// packet, the verdict, the exact output packet (for forwarded and passed
// packets) and the one counter that must move besides the verdict.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

constexpr const char* kClient4 = "203.0.113.77";
constexpr const char* kClient6 = "2001:db8:c::77";
constexpr const char* kSrc4 = "198.18.200.1";
constexpr const char* kSrc6 = "2001:db8:ff::1";

struct Fixture {
  std::string name;
  Bytes input;
  uint32_t action;
  Bytes expected;            // TX: the encapsulated packet; PASS: empty means "unchanged"
  std::string reason = "";   // DROP: the drop counter that must move
};

std::vector<l4::ServiceSpec> fixture_services() {
  return {
      service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"}),
      service("198.51.100.1", 53, IPPROTO_UDP, {"198.18.10.1"}),
      service("2001:db8:100::1", 80, IPPROTO_TCP, {"2001:db8:10::1"}),
      service("2001:db8:100::1", 53, IPPROTO_UDP, {"2001:db8:10::1"}),
      service("198.51.100.2", 80, IPPROTO_TCP, {"2001:db8:10::2"}),  // IPv4 VIP, IPv6 backend
      service("198.51.100.3", 0, IPPROTO_TCP, {"198.18.10.3"}),      // all ports
      service("198.51.100.3", 443, IPPROTO_TCP, {"198.18.10.4"}),    // a port beats all-ports
      service("198.51.100.4", 80, IPPROTO_TCP, {}),                  // no backends
  };
}

PacketBuilder from_client() { return PacketBuilder().eth(kClientMac, kNodeMac); }
PacketBuilder to_gateway() { return PacketBuilder().eth(kNodeMac, kGatewayMac); }

Ipv6Opts outer6(uint32_t hash, uint8_t tc = 0) {
  return Ipv6Opts{.hop_limit = kOuterTtl, .traffic_class = tc, .flow_label = hash & 0xfffff};
}

std::vector<Fixture> fixtures() {
  std::vector<Fixture> f;
  const Ipv4Opts outer4{.ttl = kOuterTtl, .df = true};  // the outer header always forbids fragmenting
  const TcpOpts syn{.flags = kTcpSyn, .seq = 1000};
  const TcpOpts ack{.flags = kTcpAck | kTcpPsh, .seq = 5000, .ack = 77};

  // --- forwarded, each encapsulation ---
  f.push_back({"v4 tcp syn -> ipip",
               from_client().ipv4(kClient4, "198.51.100.1").tcp(40000, 80, syn).build(), XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1").tcp(40000, 80, syn).build()});
  f.push_back({"v4 tcp data with payload -> ipip",
               from_client().ipv4(kClient4, "198.51.100.1").tcp(40001, 80, ack).payload("GET / HTTP/1.1\r\n").build(),
               XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1").tcp(40001, 80, ack)
                   .payload("GET / HTTP/1.1\r\n").build()});
  f.push_back({"v4 udp -> ipip",
               from_client().ipv4(kClient4, "198.51.100.1").udp(5000, 53).payload("query").build(), XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1").udp(5000, 53)
                   .payload("query").build()});
  {
    uint32_t h = flow_hash_of(kClient6, 40000, "2001:db8:100::1", 80, IPPROTO_TCP);
    f.push_back({"v6 tcp -> ip6ip6",
                 from_client().ipv6(kClient6, "2001:db8:100::1").tcp(40000, 80, syn).build(), XDP_TX,
                 to_gateway().ipv6(kSrc6, "2001:db8:10::1", outer6(h)).ipv6(kClient6, "2001:db8:100::1")
                     .tcp(40000, 80, syn).build()});
  }
  {
    uint32_t h = flow_hash_of(kClient6, 5353, "2001:db8:100::1", 53, IPPROTO_UDP);
    f.push_back({"v6 udp -> ip6ip6",
                 from_client().ipv6(kClient6, "2001:db8:100::1").udp(5353, 53).payload("q6").build(), XDP_TX,
                 to_gateway().ipv6(kSrc6, "2001:db8:10::1", outer6(h)).ipv6(kClient6, "2001:db8:100::1")
                     .udp(5353, 53).payload("q6").build()});
  }
  {
    uint32_t h = flow_hash_of(kClient4, 40000, "198.51.100.2", 80, IPPROTO_TCP);
    f.push_back({"v4 vip with v6 backend -> 4in6",
                 from_client().ipv4(kClient4, "198.51.100.2").tcp(40000, 80, syn).build(), XDP_TX,
                 to_gateway().ipv6(kSrc6, "2001:db8:10::2", outer6(h)).ipv4(kClient4, "198.51.100.2")
                     .tcp(40000, 80, syn).build()});
    f.push_back({"4in6 copies tos into traffic class",
                 from_client().ipv4(kClient4, "198.51.100.2", {.tos = 0xb9}).tcp(40000, 80, syn).build(), XDP_TX,
                 to_gateway().ipv6(kSrc6, "2001:db8:10::2", outer6(h, 0xb9)).ipv4(kClient4, "198.51.100.2", {.tos = 0xb9})
                     .tcp(40000, 80, syn).build()});
  }
  // --- L2 and L3 variations that must still balance ---
  f.push_back({"vlan tag kept",
               from_client().vlan(100).ipv4(kClient4, "198.51.100.1").tcp(40002, 80, syn).build(), XDP_TX,
               to_gateway().vlan(100).ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1")
                   .tcp(40002, 80, syn).build()});
  f.push_back({"qinq tags kept",
               from_client().vlan(10, 0x88a8, 3).vlan(200).ipv4(kClient4, "198.51.100.1").tcp(40003, 80, syn).build(),
               XDP_TX,
               to_gateway().vlan(10, 0x88a8, 3).vlan(200).ipv4(kSrc4, "198.18.10.1", outer4)
                   .ipv4(kClient4, "198.51.100.1").tcp(40003, 80, syn).build()});
  {
    Ipv4Opts with_options{.options = {0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00}};
    f.push_back({"ipv4 options balanced, inner untouched",
                 from_client().ipv4(kClient4, "198.51.100.1", with_options).tcp(40004, 80, syn).build(), XDP_TX,
                 to_gateway().ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1", with_options)
                     .tcp(40004, 80, syn).build()});
  }
  {
    uint32_t h = flow_hash_of(kClient6, 40005, "2001:db8:100::1", 80, IPPROTO_TCP);
    f.push_back({"ipv6 hop-by-hop skipped",
                 from_client().ipv6(kClient6, "2001:db8:100::1").ipv6_ext(kIpv6HopByHop).tcp(40005, 80, syn).build(),
                 XDP_TX,
                 to_gateway().ipv6(kSrc6, "2001:db8:10::1", outer6(h)).ipv6(kClient6, "2001:db8:100::1")
                     .ipv6_ext(kIpv6HopByHop).tcp(40005, 80, syn).build()});
  }
  {
    uint32_t h = flow_hash_of(kClient6, 40006, "2001:db8:100::1", 80, IPPROTO_TCP);
    auto inner = [&](PacketBuilder b) {
      return b.ipv6(kClient6, "2001:db8:100::1")
          .ipv6_ext(kIpv6HopByHop)
          .ipv6_srh({"2001:db8:100::1"}, 0)
          .ipv6_ext(kIpv6DestOpts, Bytes(12, 0))
          .tcp(40006, 80, syn);
    };
    f.push_back({"ipv6 hop-by-hop, routing, dest-opts skipped", inner(from_client()).build(), XDP_TX,
                 inner(to_gateway().ipv6(kSrc6, "2001:db8:10::1", outer6(h))).build()});
  }
  f.push_back({"all-ports vip takes any port",
               from_client().ipv4(kClient4, "198.51.100.3").tcp(40007, 8080, syn).build(), XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.3", outer4).ipv4(kClient4, "198.51.100.3").tcp(40007, 8080, syn).build()});
  f.push_back({"a port-specific vip beats all-ports",
               from_client().ipv4(kClient4, "198.51.100.3").tcp(40008, 443, syn).build(), XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.4", outer4).ipv4(kClient4, "198.51.100.3").tcp(40008, 443, syn).build()});
  f.push_back({"dscp/ecn copied, inner ttl kept, outer ttl from params",
               from_client().ipv4(kClient4, "198.51.100.1", {.ttl = 5, .tos = 0xb9}).tcp(40009, 80, syn).build(), XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.1", {.ttl = kOuterTtl, .tos = 0xb9, .df = true})
                   .ipv4(kClient4, "198.51.100.1", {.ttl = 5, .tos = 0xb9}).tcp(40009, 80, syn).build()});
  f.push_back({"inner df kept, outer df set either way",
               from_client().ipv4(kClient4, "198.51.100.1", {.df = true}).tcp(40010, 80, syn).build(), XDP_TX,
               to_gateway().ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1", {.df = true})
                   .tcp(40010, 80, syn).build()});
  {
    Bytes padded = from_client().ipv4(kClient4, "198.51.100.1").tcp(40011, 80, ack).build();
    padded.resize(60, 0);  // Ethernet minimum frame: padding after the IP packet
    Bytes expected = to_gateway().ipv4(kSrc4, "198.18.10.1", outer4).ipv4(kClient4, "198.51.100.1")
                         .tcp(40011, 80, ack).build();
    expected.resize(80, 0);  // the padding travels along, outside both IP lengths
    f.push_back({"ethernet padding is not counted in ip lengths", padded, XDP_TX, expected});
  }

  // --- not ours: passed untouched ---
  f.push_back({"non-vip v4 passes", from_client().ipv4(kClient4, "198.18.0.9").tcp(1, 22, syn).build(), XDP_PASS, {}});
  f.push_back({"non-vip v6 passes", from_client().ipv6(kClient6, "2001:db8::9").udp(1, 53).build(), XDP_PASS, {}});
  f.push_back({"arp passes",
               PacketBuilder().eth(kClientMac, "ff:ff:ff:ff:ff:ff", {.ethertype = 0x0806}).payload(Bytes(28, 0x11)).build(),
               XDP_PASS, {}});
  f.push_back({"non-vip icmp passes", from_client().ipv4(kClient4, "198.18.0.9").icmp(8, 0, 0x00010001).build(),
               XDP_PASS, {}});
  f.push_back({"non-vip fragment passes",
               from_client().ipv4(kClient4, "198.18.0.9", {.mf = true}).udp(1, 53).build(), XDP_PASS, {}});
  f.push_back({"non-vip with bad length passes",
               from_client().ipv4(kClient4, "198.18.0.9", {.tot_len = 1400}).udp(1, 53).build(), XDP_PASS, {}});

  // --- for a VIP but not balanced: dropped with a reason ---
  f.push_back({"vip address, unserved port",
               from_client().ipv4(kClient4, "198.51.100.1").tcp(40000, 81, syn).build(), XDP_DROP, {}, "drop_no_service"});
  f.push_back({"vip address, unserved protocol (udp to tcp-only vip)",
               from_client().ipv4(kClient4, "198.51.100.3").udp(40000, 80).build(), XDP_DROP, {}, "drop_no_service"});
  f.push_back({"vip address, sctp",
               from_client().ipv4(kClient4, "198.51.100.1", {.protocol = 132}).payload(Bytes(12, 0)).build(), XDP_DROP, {},
               "drop_unknown_l4"});
  f.push_back({"icmp echo to a vip", from_client().ipv4(kClient4, "198.51.100.1").icmp(8, 0, 0x00010001).build(),
               XDP_DROP, {}, "drop_icmp_to_vip"});
  f.push_back({"icmpv6 echo to a vip", from_client().ipv6(kClient6, "2001:db8:100::1").icmp6(128, 0, 0x00010001).build(),
               XDP_DROP, {}, "drop_icmp_to_vip"});
  f.push_back({"v4 first fragment to a vip",
               from_client().ipv4(kClient4, "198.51.100.1", {.mf = true}).tcp(40000, 80, syn).build(), XDP_DROP, {},
               "drop_fragment"});
  f.push_back({"v4 later fragment to a vip",
               from_client().ipv4(kClient4, "198.51.100.1", {.frag_offset = 185, .protocol = IPPROTO_TCP})
                   .payload(Bytes(24, 0xab)).build(),
               XDP_DROP, {}, "drop_fragment"});
  f.push_back({"v6 fragment header to a vip",
               from_client().ipv6(kClient6, "2001:db8:100::1").ipv6_frag(0, true, 7).udp(1, 53).build(), XDP_DROP, {},
               "drop_fragment"});
  // (A SYN there is answered with a RST: backend_states_test.cpp.)
  f.push_back({"vip without backends",
               from_client().ipv4(kClient4, "198.51.100.4").tcp(40000, 80, ack).build(), XDP_DROP, {}, "drop_no_backend"});
  f.push_back({"ihl below 5",
               from_client().ipv4(kClient4, "198.51.100.1", {.ihl = 4}).tcp(40000, 80, syn).build(), XDP_DROP, {},
               "drop_bad_l3"});
  f.push_back({"ip total length beyond the frame, to a vip",
               from_client().ipv4(kClient4, "198.51.100.1", {.tot_len = 1400}).tcp(40000, 80, syn).build(), XDP_DROP,
               {}, "drop_bad_l3"});
  f.push_back({"ip total length shorter than the headers, to a vip",
               from_client().ipv4(kClient4, "198.51.100.1", {.tot_len = 30}).tcp(40000, 80, syn).build(), XDP_DROP, {},
               "drop_bad_l3"});
  f.push_back({"ipv6 payload length beyond the frame, to a vip",
               from_client().ipv6(kClient6, "2001:db8:100::1", {.payload_len = 900}).udp(1, 53).build(), XDP_DROP, {},
               "drop_bad_l3"});
  return f;
}

class L4Fixtures : public ::testing::TestWithParam<Fixture> {};

TEST_P(L4Fixtures, PacketInPacketOut) {
  XLB_REQUIRE_BPF();
  const Fixture& fx = GetParam();
  L4Harness h;
  ASSERT_TRUE(h.apply(fixture_services()).ok());
  RunOutcome out = h.run(fx.input);

  EXPECT_STREQ(bpf::xdp_action_name(out.action), bpf::xdp_action_name(fx.action));
  if (fx.action == XDP_TX) {
    EXPECT_EQ(diff_bytes(fx.expected, out.packet), "");
  }
  if (fx.action == XDP_PASS) {
    EXPECT_EQ(diff_bytes(fx.input, out.packet), "") << "passed packets are untouched";
  }

  // Exactly one verdict counter moved, by one.
  uint64_t verdicts = 0;
  for (const char* v : {"pass", "tx", "redirect", "drop"}) verdicts += out.counter_deltas[v];
  EXPECT_EQ(verdicts, 1u);
  const char* verdict = fx.action == XDP_TX ? "tx" : fx.action == XDP_PASS ? "pass" : "drop";
  EXPECT_EQ(out.counter_deltas[verdict], 1u);
  if (fx.action == XDP_DROP) {
    EXPECT_EQ(out.counter_deltas[fx.reason], 1u) << "expected counter " << fx.reason;
  }
  if (fx.action == XDP_TX) {
    EXPECT_EQ(out.counter_deltas["fib_fallback"], 1u) << "no FIB in the test namespace";
  }
}

std::string fixture_name(const ::testing::TestParamInfo<Fixture>& info) {
  std::string n;
  for (char c : info.param.name) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, L4Fixtures, ::testing::ValuesIn(fixtures()), fixture_name);

}  // namespace
}  // namespace xlb::testing
