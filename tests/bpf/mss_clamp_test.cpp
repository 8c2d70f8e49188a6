// The backend's MSS clamp at tc egress: SYN-ACKs sent from a served VIP leave
// with an MSS that fits the tunnel, checksum fixed; everything else leaves
// byte for byte as it came.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include "backend/prepare.h"
#include "bpf/decap_program.h"
#include "bpf/harness.h"
#include "bpf/tc.h"

namespace xlb::testing {
namespace {

constexpr const char* kBackendMac = "02:00:00:00:00:b1";
constexpr const char* kRouter = "02:00:00:00:00:01";
constexpr uint8_t kSynAck = kTcpSyn | kTcpAck;

// What Linux puts in a SYN-ACK: MSS, SACK permitted, timestamps, window scale.
Bytes syn_ack_options(uint16_t mss) {
  return {2, 4, uint8_t(mss >> 8), uint8_t(mss & 0xff), 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
}

PacketBuilder frame() { return PacketBuilder().eth(kBackendMac, kRouter); }

Bytes syn_ack4(const char* src, uint16_t mss, uint8_t flags = kSynAck) {
  return frame().ipv4(src, "203.0.113.9", {.df = true}).tcp(80, 40000, {.flags = flags, .seq = 7, .ack = 2,
                                                                          .options = syn_ack_options(mss)}).build();
}

Bytes syn_ack6(const char* src, uint16_t mss) {
  return frame().ipv6(src, "2001:db8:c::9").tcp(80, 40000, {.flags = kSynAck, .seq = 7, .ack = 2,
                                                             .options = syn_ack_options(mss)}).build();
}

class MssClamp : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    prog_ = load_decap_serving_vips();
    ASSERT_NE(prog_, nullptr);
    set_clamp(backend::mss_clamp_for(1500, false));
  }
  void set_clamp(xlb_mss_clamp c) {
    uint32_t zero = 0;
    ASSERT_TRUE(prog_->mss_clamp().update(&zero, &c).ok());
  }
  uint64_t counter(uint32_t id) { return bpf::read_percpu_counter(prog_->mss_counters(), id)->packets; }
  Bytes run(const Bytes& in) {
    auto out = bpf::tc_test_run(prog_->mss_clamp_prog_fd(), in);
    EXPECT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->action, TC_ACT_OK);  // the clamp never drops
    return out->packet;
  }
  void expect_untouched(const Bytes& in) { EXPECT_EQ(diff_bytes(in, run(in)), ""); }
  std::unique_ptr<bpf::DecapProgram> prog_;
};

TEST(MssClampFor, SubtractsTheTunnelTheInnerHeaderAndTcp) {
  auto v4 = backend::mss_clamp_for(1500, false);
  EXPECT_EQ(v4.mss4, 1500 - 20 - 20 - 20);
  EXPECT_EQ(v4.mss6, 1500 - 40 - 40 - 20);
  auto over6 = backend::mss_clamp_for(1500, true);
  EXPECT_EQ(over6.mss4, 1500 - 40 - 20 - 20);
  EXPECT_EQ(over6.mss6, 1500 - 40 - 40 - 20);
}

TEST(MssClampFor, PrepareRefusesATunnelMtuOutOfRange) {
  backend::PrepareOptions o;
  o.interface = "lo";
  o.tunnel_mtu = 1000;
  auto st = backend::prepare(o);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("tunnel MTU 1000 is out of range"), std::string::npos) << st.error().message;
}

TEST_F(MssClamp, Ipv4SynAckFromAVipIsLoweredWithItsChecksum) {
  EXPECT_EQ(diff_bytes(syn_ack4("198.51.100.10", 1440), run(syn_ack4("198.51.100.10", 1460))), "");
  EXPECT_EQ(counter(XLB_MSS_CLAMPED), 1u);
}

TEST_F(MssClamp, Ipv6SynAckFromAVipIsLoweredWithItsChecksum) {
  EXPECT_EQ(diff_bytes(syn_ack6("2001:db8:100::10", 1400), run(syn_ack6("2001:db8:100::10", 1440))), "");
  EXPECT_EQ(counter(XLB_MSS_CLAMPED), 1u);
}

TEST_F(MssClamp, VlanTaggedSynAckIsLowered) {
  auto tagged = [](uint16_t mss) {
    return frame().vlan(7).ipv4("198.51.100.10", "203.0.113.9").tcp(80, 1, {.flags = kSynAck,
                                                                           .options = syn_ack_options(mss)}).build();
  };
  EXPECT_EQ(diff_bytes(tagged(1440), run(tagged(8960))), "");
}

TEST_F(MssClamp, AnMssThatAlreadyFitsIsLeftAlone) {
  expect_untouched(syn_ack4("198.51.100.10", 1440));
  expect_untouched(syn_ack4("198.51.100.10", 536));
  // No MSS option at all: the client assumes a small default.
  expect_untouched(frame().ipv4("198.51.100.10", "203.0.113.9").tcp(80, 1, {.flags = kSynAck}).build());
  EXPECT_EQ(counter(XLB_MSS_FITS), 3u);
  EXPECT_EQ(counter(XLB_MSS_CLAMPED), 0u);
}

TEST_F(MssClamp, OnlySynAcksFromServedVipsAreTouched) {
  expect_untouched(syn_ack4("198.18.11.2", 1460));                      // the backend's own address
  expect_untouched(syn_ack4("198.51.100.10", 1460, kTcpSyn));            // a SYN it sends
  expect_untouched(syn_ack4("198.51.100.10", 1460, kTcpAck));            // a data segment
  expect_untouched(frame().ipv4("198.51.100.10", "203.0.113.9").udp(53, 1).payload("x").build());
  expect_untouched(PacketBuilder().eth(kBackendMac, kRouter, {.ethertype = 0x0806}).payload(Bytes(28, 1)).build());
  for (uint32_t id = 0; id < XLB_MSS_COUNT; id++) EXPECT_EQ(counter(id), 0u) << id;
}

TEST_F(MssClamp, OptionsItCannotReadAreLeftAloneAndCounted) {
  // An option whose length runs past the header, and a zero-length option.
  for (Bytes opts : {Bytes{1, 1, 8, 30, 0, 0, 0, 0}, Bytes{3, 0, 2, 4, 5, 0xb4, 0, 0}}) {
    expect_untouched(frame().ipv4("198.51.100.10", "203.0.113.9").tcp(80, 1, {.flags = kSynAck, .options = opts}).build());
  }
  EXPECT_EQ(counter(XLB_MSS_UNPARSED), 2u);
}

TEST_F(MssClamp, ClampingOffLeavesEverySynAckAlone) {
  set_clamp({});
  expect_untouched(syn_ack4("198.51.100.10", 1460));
  expect_untouched(syn_ack6("2001:db8:100::10", 1440));
  EXPECT_EQ(counter(XLB_MSS_FITS) + counter(XLB_MSS_CLAMPED), 0u);
}

}  // namespace
}  // namespace xlb::testing
