// The VIP prefilter: a bitmap with one bit per VIP address (xlb_vipfilter_v2)
// that lets the program pass traffic for other addresses after one array
// read. A set bit only means "maybe"; the address map still decides.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

const std::vector<std::string> kOne = {"198.18.11.2"};

uint32_t bit_of(const char* address) {
  const xlb_addr a = IpAddr::parse(address)->to_abi();
  return xlb_vip_filter_bit(a.addr);
}

bool bit_set(L4Harness& h, uint32_t bit) {
  uint32_t word = bit / 64;
  uint64_t w = 0;
  EXPECT_TRUE(h.program().vip_filter().lookup(&word, &w).ok());
  return (w >> (bit % 64)) & 1;
}

Bytes syn_to(const char* dst) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, dst).tcp(40000, 80, {.flags = kTcpSyn}).build();
}

TEST(VipFilter, EachVipAddressSetsItsBitAndARemovedOneClearsIt) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.10", 80, IPPROTO_TCP, kOne), service("2001:db8:100::1", 80, IPPROTO_TCP,
                                                                                 {"2001:db8:10::1"})})
                  .ok());
  EXPECT_TRUE(bit_set(h, bit_of("198.51.100.10")));
  EXPECT_TRUE(bit_set(h, bit_of("2001:db8:100::1")));
  ASSERT_NE(bit_of("198.51.100.10"), bit_of("198.51.100.11"));
  EXPECT_FALSE(bit_set(h, bit_of("198.51.100.11")));
  ASSERT_TRUE(h.apply({service("2001:db8:100::1", 80, IPPROTO_TCP, {"2001:db8:10::1"})}).ok());
  EXPECT_FALSE(bit_set(h, bit_of("198.51.100.10")));
  EXPECT_TRUE(bit_set(h, bit_of("2001:db8:100::1")));
}

TEST(VipFilter, OtherAddressesPassWhetherTheirBitIsClearOrShared) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.10", 80, IPPROTO_TCP, kOne)}).ok());
  EXPECT_EQ(h.run(syn_to("198.51.100.10")).action, XDP_TX);
  RunOutcome clear = h.run(syn_to("198.51.100.11"));
  EXPECT_EQ(clear.action, XDP_PASS);
  EXPECT_EQ(clear.counter_deltas["pass"], 1u);
  // An address that shares the VIP's bit (the fold of 198.51.100.10 with its
  // upper and lower halves swapped): the address map says it is no VIP.
  const char* twin = "100.10.198.51";
  ASSERT_EQ(bit_of(twin), bit_of("198.51.100.10"));
  RunOutcome shared = h.run(syn_to(twin));
  EXPECT_EQ(shared.action, XDP_PASS);
  EXPECT_EQ(shared.counter_deltas["pass"], 1u);
  // A VIP address with no service on the port is still the address map's to judge.
  Bytes other_port =
      PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, "198.51.100.10").tcp(40000, 81, {.flags = kTcpSyn}).build();
  EXPECT_EQ(h.run(other_port).counter_deltas["drop_no_service"], 1u);
}

TEST(VipFilter, ARestartedAgentKeepsTheBitsAndClearsWhatItNoLongerServes) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.10", 80, IPPROTO_TCP, kOne), service("198.51.100.20", 80, IPPROTO_TCP, kOne)})
                  .ok());
  auto restarted = l4::Tables::recover(l4::maps_of(h.program()));
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  ASSERT_TRUE(restarted->apply({service("198.51.100.20", 80, IPPROTO_TCP, kOne)}).ok());
  EXPECT_FALSE(bit_set(h, bit_of("198.51.100.10")));
  EXPECT_TRUE(bit_set(h, bit_of("198.51.100.20")));
  EXPECT_EQ(h.run(syn_to("198.51.100.20")).action, XDP_TX);
}

}  // namespace
}  // namespace xlb::testing
