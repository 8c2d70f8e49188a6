// PMTU discovery through the tunnel: a packet that no longer fits on the path
// to the backend once encapsulated is answered with ICMP Fragmentation Needed
// (IPv4, DF) or Packet Too Big (IPv6), byte for byte; one byte less passes;
// IPv4 without DF is dropped and counted; the ICMP budget is bounded.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

constexpr uint32_t kBackendMtu = 1500;

l4::NodeSpec node_with_mtu(uint32_t icmp_rate = 0, uint32_t icmp_burst = 0) {
  l4::NodeSpec n = default_node();
  n.backend_mtu = kBackendMtu;
  n.icmp_rate = icmp_rate;
  n.icmp_burst = icmp_burst;
  return n;
}

// An IPv4 UDP datagram of exactly ip_len bytes (IP header included).
Bytes udp4(size_t ip_len, bool df, uint16_t vlan = 0) {
  PacketBuilder b;
  b.eth(kClientMac, kNodeMac);
  if (vlan) b.vlan(vlan);
  return b.ipv4(kClient4, kVip4, {.ttl = 61, .id = 99, .df = df})
      .udp(40000, 53)
      .payload(Bytes(ip_len - 28, 0x5a))
      .build();
}

Bytes udp6(size_t ip_len) {
  return PacketBuilder()
      .eth(kClientMac, kNodeMac)
      .ipv6(kClient6, kVip6, {.hop_limit = 61})
      .udp(40000, 53)
      .payload(Bytes(ip_len - 48, 0x6b))
      .build();
}

Bytes slice(const Bytes& b, size_t from, size_t len) { return Bytes(b.begin() + from, b.begin() + from + len); }

class TooBig : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    h_ = std::make_unique<L4Harness>();
    ASSERT_TRUE(h_->apply({service(kVip4, 53, IPPROTO_UDP, {"198.18.11.2"}),
                           service(kVip6, 53, IPPROTO_UDP, {"2001:db8:0:11::2"})})
                    .ok());
    ASSERT_TRUE(h_->set_node(node_with_mtu()).ok());
  }
  std::unique_ptr<L4Harness> h_;
};

TEST_F(TooBig, Ipv4AtTheBoundaryPassesAndOneByteMoreGetsFragmentationNeeded) {
  // 1480 + 20 bytes of tunnel = 1500: fits.
  RunOutcome fits = h_->run(udp4(kBackendMtu - 20, true));
  EXPECT_EQ(fits.action, XDP_TX);
  EXPECT_EQ(fits.packet.size(), 14u + 20 + 1480) << "encapsulated, not answered";
  EXPECT_EQ(fits.counter_deltas["icmp_too_big"], 0u);

  Bytes big = udp4(kBackendMtu - 20 + 1, true);
  RunOutcome out = h_->run(big);
  ASSERT_EQ(out.action, XDP_TX);
  Bytes expected = PacketBuilder()
                       .eth(kNodeMac, kClientMac)
                       .ipv4(kVip4, kClient4, {.ttl = 64})
                       .icmp(3, 4, kBackendMtu - 20)  // next-hop MTU: what fits inside the tunnel
                       .payload(slice(big, 14, 20 + 8))  // the client's IP header and 8 bytes
                       .build();
  EXPECT_EQ(diff_bytes(expected, out.packet), "");
  EXPECT_EQ(out.counter_deltas["icmp_too_big"], 1u);
  EXPECT_EQ(out.counter_deltas["tx"], 1u);
}

TEST_F(TooBig, VlanTagsAreKeptInTheAnswer) {
  Bytes big = udp4(kBackendMtu, true, 42);
  RunOutcome out = h_->run(big);
  ASSERT_EQ(out.action, XDP_TX);
  Bytes expected = PacketBuilder()
                       .eth(kNodeMac, kClientMac)
                       .vlan(42)
                       .ipv4(kVip4, kClient4, {.ttl = 64})
                       .icmp(3, 4, kBackendMtu - 20)
                       .payload(slice(big, 18, 28))
                       .build();
  EXPECT_EQ(diff_bytes(expected, out.packet), "");
}

TEST_F(TooBig, Ipv4WithoutDfIsDroppedAndCounted) {
  RunOutcome out = h_->run(udp4(kBackendMtu, false));
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_too_big_no_df"], 1u);
}

TEST_F(TooBig, Ipv6AtTheBoundaryPassesAndOneByteMoreGetsPacketTooBig) {
  RunOutcome fits = h_->run(udp6(kBackendMtu - 40));
  EXPECT_EQ(fits.action, XDP_TX);
  EXPECT_EQ(fits.counter_deltas["icmp_too_big"], 0u);

  Bytes big = udp6(kBackendMtu - 40 + 1);
  RunOutcome out = h_->run(big);
  ASSERT_EQ(out.action, XDP_TX);
  Bytes expected = PacketBuilder()
                       .eth(kNodeMac, kClientMac)
                       .ipv6(kVip6, kClient6, {.hop_limit = 64})
                       .icmp6(2, 0, kBackendMtu - 40)
                       .payload(slice(big, 14, 1232))  // as much as fits in 1280 bytes
                       .build();
  EXPECT_EQ(expected.size(), 14u + 1280);
  EXPECT_EQ(diff_bytes(expected, out.packet), "");
  EXPECT_EQ(out.counter_deltas["icmp_too_big"], 1u);
}

TEST_F(TooBig, GeneratedIcmpIsRateLimitedPerCpu) {
  PinnedToOneCpu pin;
  ASSERT_TRUE(h_->set_node(node_with_mtu(1, 3)).ok());  // burst 3, then one a second
  int answered = 0, limited = 0;
  for (int i = 0; i < 6; ++i) {
    RunOutcome out = h_->run(udp4(kBackendMtu, true));
    answered += out.counter_deltas["icmp_too_big"];
    limited += out.counter_deltas["drop_icmp_rate_limited"];
  }
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(limited, 3);
}

TEST_F(TooBig, Ipv4WithOptionsIsNotQuotedButDroppedAndCounted) {
  Bytes big = PacketBuilder()
                  .eth(kClientMac, kNodeMac)
                  .ipv4(kClient4, kVip4, {.df = true, .options = {1, 1, 1, 0}})
                  .udp(40000, 53)
                  .payload(Bytes(kBackendMtu, 0))
                  .build();
  RunOutcome out = h_->run(big);
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_too_big_unanswered"], 1u);
}

}  // namespace
}  // namespace xlb::testing
