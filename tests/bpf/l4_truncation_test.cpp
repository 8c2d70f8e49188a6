// Every header cut short, one byte at a time: the program must drop packets
// to a VIP with the counter of the header that was cut, pass non-VIP
// packets whose L4 header is cut, and never fault.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

struct Shape {
  std::string name;
  Bytes packet;       // headers only, no payload
  size_t l2_end;      // Ethernet + VLAN tags
  size_t l3_end;      // + IP header, options, extensions
};

std::vector<Shape> shapes() {
  auto client = [] { return PacketBuilder().eth(kClientMac, kNodeMac); };
  std::vector<Shape> s;
  s.push_back({"v4 tcp", client().ipv4("203.0.113.7", "198.51.100.1").tcp(1000, 80).build(), 14, 34});
  s.push_back({"v4 udp", client().ipv4("203.0.113.7", "198.51.100.1").udp(1000, 53).build(), 14, 34});
  s.push_back({"v4 options tcp",
               client().ipv4("203.0.113.7", "198.51.100.1", {.options = Bytes(8, 1)}).tcp(1000, 80).build(), 14, 42});
  s.push_back({"vlan v4 tcp", client().vlan(5).ipv4("203.0.113.7", "198.51.100.1").tcp(1000, 80).build(), 18, 38});
  s.push_back({"qinq v4 udp",
               client().vlan(5, 0x88a8).vlan(6).ipv4("203.0.113.7", "198.51.100.1").udp(1000, 53).build(), 22, 42});
  s.push_back({"v6 tcp", client().ipv6("2001:db8:c::7", "2001:db8:100::1").tcp(1000, 80).build(), 14, 54});
  s.push_back({"v6 udp", client().ipv6("2001:db8:c::7", "2001:db8:100::1").udp(1000, 53).build(), 14, 54});
  s.push_back({"v6 hop-by-hop + dest-opts tcp",
               client().ipv6("2001:db8:c::7", "2001:db8:100::1").ipv6_ext(kIpv6HopByHop).ipv6_ext(kIpv6DestOpts, Bytes(14, 0))
                   .tcp(1000, 80).build(),
               14, 54 + 8 + 16});
  return s;
}

std::vector<l4::ServiceSpec> services() {
  return {service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"}),
          service("198.51.100.1", 53, IPPROTO_UDP, {"198.18.10.1"}),
          service("2001:db8:100::1", 80, IPPROTO_TCP, {"2001:db8:10::1"}),
          service("2001:db8:100::1", 53, IPPROTO_UDP, {"2001:db8:10::1"})};
}

TEST(L4Truncation, EveryHeaderCutShortIsDroppedWithItsCounter) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply(services()).ok());
  int runs = 0;
  for (const auto& shape : shapes()) {
    // The whole packet is forwarded: the shapes themselves are valid.
    EXPECT_EQ(h.run(shape.packet).action, XDP_TX) << shape.name;
    // BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header.
    for (size_t n = 14; n < shape.packet.size(); ++n) {
      RunOutcome out = h.run(truncate(shape.packet, n));
      const char* reason = n < shape.l2_end ? "drop_truncated_l2" : n < shape.l3_end ? "drop_truncated_l3" : "drop_truncated_l4";
      EXPECT_EQ(out.action, XDP_DROP) << shape.name << " cut to " << n;
      EXPECT_EQ(out.counter_deltas[reason], 1u) << shape.name << " cut to " << n << ": expected " << reason;
      EXPECT_EQ(out.counter_deltas["drop"], 1u);
      ++runs;
    }
  }
  EXPECT_GT(runs, 250);
}

TEST(L4Truncation, CutL4HeaderOfANonVipPacketIsPassed) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply(services()).ok());
  Bytes p = PacketBuilder().eth(kClientMac, kNodeMac).ipv4("203.0.113.7", "198.18.0.9").tcp(1000, 22).build();
  for (size_t n = 34; n < p.size(); ++n) {
    RunOutcome out = h.run(truncate(p, n));
    EXPECT_EQ(out.action, XDP_PASS) << "cut to " << n;
    EXPECT_EQ(out.counter_deltas["pass"], 1u);
  }
}

}  // namespace
}  // namespace xlb::testing
