// Echo requests to a VIP address are answered by the node, byte for byte,
// when answer_echo is on; other ICMP to a VIP, and echo when it is off, is
// dropped and counted.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {


class Echo : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    h_ = std::make_unique<L4Harness>();
    ASSERT_TRUE(h_->apply({service(kVip4, 80, IPPROTO_TCP, {"198.18.11.2"}),
                           service(kVip6, 80, IPPROTO_TCP, {"2001:db8:0:11::2"})})
                    .ok());
    set_echo(true);
  }
  void set_echo(bool on) {
    l4::NodeSpec n = default_node();
    n.answer_echo = on;
    ASSERT_TRUE(h_->set_node(n).ok());
  }
  std::unique_ptr<L4Harness> h_;
};

TEST_F(Echo, Ipv4EchoRequestIsAnsweredFromTheVip) {
  Bytes request = PacketBuilder()
                      .eth(kClientMac, kNodeMac)
                      .ipv4(kClient4, kVip4, {.ttl = 57, .id = 4242, .df = true})
                      .icmp(8, 0, 0x1234'0007)
                      .payload("abcdefgh12345678")
                      .build();
  Bytes reply = PacketBuilder()
                    .eth(kNodeMac, kClientMac)
                    .ipv4(kVip4, kClient4, {.ttl = 64, .id = 4242, .df = true})
                    .icmp(0, 0, 0x1234'0007)
                    .payload("abcdefgh12345678")
                    .build();
  RunOutcome out = h_->run(request);
  EXPECT_EQ(out.action, XDP_TX);
  EXPECT_EQ(diff_bytes(reply, out.packet), "");
  EXPECT_EQ(out.counter_deltas["icmp_echo_reply"], 1u);
}

TEST_F(Echo, Ipv6EchoRequestIsAnsweredWithVlanTagsKept) {
  Bytes request = PacketBuilder()
                      .eth(kClientMac, kNodeMac)
                      .vlan(7)
                      .ipv6(kClient6, kVip6, {.hop_limit = 50, .flow_label = 0x54321})
                      .icmp6(128, 0, 0x0001'0002)
                      .payload("ping6")
                      .build();
  Bytes reply = PacketBuilder()
                    .eth(kNodeMac, kClientMac)
                    .vlan(7)
                    .ipv6(kVip6, kClient6, {.hop_limit = 64, .flow_label = 0x54321})
                    .icmp6(129, 0, 0x0001'0002)
                    .payload("ping6")
                    .build();
  RunOutcome out = h_->run(request);
  EXPECT_EQ(out.action, XDP_TX);
  EXPECT_EQ(diff_bytes(reply, out.packet), "");
}

TEST_F(Echo, OffOrNotAnEchoRequestIsDroppedAndCounted) {
  Bytes timestamp = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, kVip4).icmp(13, 0, 0).build();
  EXPECT_EQ(h_->run(timestamp).counter_deltas["drop_icmp_to_vip"], 1u);
  Bytes truncated = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, kVip4, {.protocol = 1}).payload("ab").build();
  EXPECT_EQ(h_->run(truncated).counter_deltas["drop_icmp_to_vip"], 1u) << "too short to be an echo: dropped, no fault";
  set_echo(false);
  Bytes request = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, kVip4).icmp(8, 0, 1).build();
  RunOutcome out = h_->run(request);
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_icmp_to_vip"], 1u);
}

TEST_F(Echo, RepliesSpendTheIcmpBudget) {
  PinnedToOneCpu pin;
  l4::NodeSpec n = default_node();
  n.answer_echo = true;
  n.icmp_rate = 1;
  n.icmp_burst = 2;
  ASSERT_TRUE(h_->set_node(n).ok());
  Bytes request = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, kVip4).icmp(8, 0, 1).build();
  int replies = 0, limited = 0;
  for (int i = 0; i < 5; ++i) {
    RunOutcome out = h_->run(request);
    replies += out.counter_deltas["icmp_echo_reply"];
    limited += out.counter_deltas["drop_icmp_rate_limited"];
  }
  EXPECT_EQ(replies, 2);
  EXPECT_EQ(limited, 3);
}

}  // namespace
}  // namespace xlb::testing
