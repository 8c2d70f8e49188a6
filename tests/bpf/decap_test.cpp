// The backend's decapsulation program: strips the outer header of packets
// for VIPs it serves, byte for byte, and leaves everything else alone. The
// round-trip case feeds it what the L4 program produced.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/decap_program.h"
#include "bpf/harness.h"
#include "bpf/xdp.h"

namespace xlb::testing {
namespace {

constexpr const char* kRouter = "02:00:00:00:00:01";
constexpr const char* kBackendMac = "02:00:00:00:00:b1";

class Decap : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    prog_ = load_decap_serving_vips();
    ASSERT_NE(prog_, nullptr);
  }
  uint64_t counter(uint32_t id) { return bpf::read_percpu_counter(prog_->counters(), id)->packets; }
  bpf::TestRunResult run(const Bytes& in) { return *bpf::xdp_test_run(prog_->prog_fd(), in); }
  std::unique_ptr<bpf::DecapProgram> prog_;
};

PacketBuilder frame() { return PacketBuilder().eth(kRouter, kBackendMac); }

TEST_F(Decap, Ipv4InIpv4) {
  auto out = run(frame().ipv4("198.18.200.1", "198.18.11.2").ipv4("203.0.113.9", "198.51.100.10").tcp(4000, 80).payload("hi").build());
  EXPECT_EQ(out.action, XDP_PASS);
  EXPECT_EQ(diff_bytes(frame().ipv4("203.0.113.9", "198.51.100.10").tcp(4000, 80).payload("hi").build(), out.packet), "");
  EXPECT_EQ(counter(XLB_DCNT_DECAP_V4), 1u);
}

TEST_F(Decap, Ipv6InIpv6) {
  auto inner = [](PacketBuilder b) { return b.ipv6("2001:db8:c::9", "2001:db8:100::10").udp(4000, 53).payload("q"); };
  auto out = run(inner(frame().ipv6("2001:db8:ff::1", "2001:db8:0:11::2")).build());
  EXPECT_EQ(out.action, XDP_PASS);
  EXPECT_EQ(diff_bytes(inner(frame()).build(), out.packet), "");
  EXPECT_EQ(counter(XLB_DCNT_DECAP_V6), 1u);
}

TEST_F(Decap, Ipv4InIpv6ChangesTheEthertype) {
  auto out = run(frame().ipv6("2001:db8:ff::1", "2001:db8:0:11::2").ipv4("203.0.113.9", "198.51.100.10").tcp(4000, 80).build());
  EXPECT_EQ(out.action, XDP_PASS);
  EXPECT_EQ(diff_bytes(frame().ipv4("203.0.113.9", "198.51.100.10").tcp(4000, 80).build(), out.packet), "");
}

TEST_F(Decap, VlanTagsStay) {
  auto out = run(frame().vlan(7).ipv4("198.18.200.1", "198.18.11.2").ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build());
  EXPECT_EQ(diff_bytes(frame().vlan(7).ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build(), out.packet), "");
}

TEST_F(Decap, NotOurVipOrNotEncapsulatedPassesUntouched) {
  for (const Bytes& in : {frame().ipv4("198.18.200.1", "198.18.11.2").ipv4("203.0.113.9", "198.51.100.99").tcp(1, 80).build(),
                          frame().ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build(),
                          frame().ipv6("2001:db8:c::9", "2001:db8:100::10").tcp(1, 80).build()}) {
    auto out = run(in);
    EXPECT_EQ(out.action, XDP_PASS);
    EXPECT_EQ(diff_bytes(in, out.packet), "");
  }
  EXPECT_EQ(counter(XLB_DCNT_PASS), 3u);
}

TEST_F(Decap, OuterCongestionMarkReachesTheInnerHeader) {
  // ECT(0) inside, CE outside: the inner packet leaves marked CE, checksum right.
  auto out = run(frame().ipv4("198.18.200.1", "198.18.11.2", {.tos = 0x2b})
                     .ipv4("203.0.113.9", "198.51.100.10", {.tos = 0x2a}).tcp(1, 80).build());
  EXPECT_EQ(out.action, XDP_PASS);
  EXPECT_EQ(diff_bytes(frame().ipv4("203.0.113.9", "198.51.100.10", {.tos = 0x2b}).tcp(1, 80).build(), out.packet), "");
  auto out6 = run(frame().ipv6("2001:db8:ff::1", "2001:db8:0:11::2", {.traffic_class = 0x03})
                      .ipv6("2001:db8:c::9", "2001:db8:100::10", {.traffic_class = 0x01}).udp(1, 53).build());
  EXPECT_EQ(diff_bytes(frame().ipv6("2001:db8:c::9", "2001:db8:100::10", {.traffic_class = 0x03}).udp(1, 53).build(),
                       out6.packet),
            "");
  EXPECT_EQ(counter(XLB_DCNT_CE_MARKED), 2u);
}

TEST_F(Decap, CongestionMarkOnANonEcnPacketIsDropped) {
  auto out = run(frame().ipv4("198.18.200.1", "198.18.11.2", {.tos = 0x03})
                     .ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build());
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(counter(XLB_DCNT_DROP_CE_NOT_ECT), 1u);
}

TEST_F(Decap, CutInnerHeaderIsDroppedAndCounted) {
  Bytes in = frame().ipv4("198.18.200.1", "198.18.11.2").ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build();
  auto out = run(truncate(in, 14 + 20 + 10));
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(counter(XLB_DCNT_DROP_MALFORMED), 1u);
}

TEST_F(Decap, RoundTripThroughTheBalancerRestoresTheClientPacket) {
  L4Harness lb;
  ASSERT_TRUE(lb.apply({service("198.51.100.10", 80, IPPROTO_TCP, {"198.18.11.2"}),
                        service("2001:db8:100::10", 80, IPPROTO_TCP, {"2001:db8:0:11::2"})})
                  .ok());
  for (const Bytes& client : {PacketBuilder().eth(kClientMac, kNodeMac).ipv4("203.0.113.9", "198.51.100.10", {.tos = 0x28})
                                  .tcp(4000, 80, {.flags = kTcpAck}).payload("GET /").build(),
                              PacketBuilder().eth(kClientMac, kNodeMac).ipv6("2001:db8:c::9", "2001:db8:100::10")
                                  .tcp(4000, 80, {.flags = kTcpAck}).payload("GET /").build()}) {
    RunOutcome balanced = lb.run(client);
    ASSERT_EQ(balanced.action, XDP_TX);
    auto out = run(balanced.packet);
    ASSERT_EQ(out.action, XDP_PASS);
    // Everything after the MAC addresses is the client's packet again.
    EXPECT_EQ(diff_bytes(Bytes(client.begin() + 12, client.end()), Bytes(out.packet.begin() + 12, out.packet.end())), "");
  }
}

}  // namespace
}  // namespace xlb::testing

namespace xlb::testing {
namespace {

// With the L4 nodes' encap prefixes named, only they may tunnel to this backend.
TEST(DecapSources, OnlyTheNamedEncapPrefixesMayTunnelToTheBackend) {
  XLB_REQUIRE_BPF();
  auto prog = bpf::DecapProgram::load("", {*Prefix::parse("198.18.200.0/24"), *Prefix::parse("2001:db8:ff::/112")});
  ASSERT_TRUE(prog.ok()) << prog.error().message;
  for (const char* vip : {"198.51.100.10", "2001:db8:100::10"}) {
    auto k = vip_addr_key(*IpAddr::parse(vip));
    uint32_t one = 1;
    ASSERT_TRUE((*prog)->vips().update(&k, &one).ok());
  }
  auto run = [&](const Bytes& in) { return bpf::xdp_test_run((*prog)->prog_fd(), in)->action; };
  auto frame = [] { return PacketBuilder().eth("02:00:00:00:00:01", "02:00:00:00:00:b1"); };

  EXPECT_EQ(run(frame().ipv4("198.18.200.77", "198.18.11.2").ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build()),
            XDP_PASS);
  EXPECT_EQ(run(frame().ipv4("192.0.2.66", "198.18.11.2").ipv4("203.0.113.9", "198.51.100.10").tcp(1, 80).build()),
            XDP_DROP);
  EXPECT_EQ(run(frame().ipv6("2001:db8:ff::9", "2001:db8:0:11::2").ipv6("2001:db8:c::9", "2001:db8:100::10").tcp(1, 80).build()),
            XDP_PASS);
  EXPECT_EQ(run(frame().ipv6("2001:db8:fe::9", "2001:db8:0:11::2").ipv6("2001:db8:c::9", "2001:db8:100::10").tcp(1, 80).build()),
            XDP_DROP);
  EXPECT_EQ(bpf::read_percpu_counter((*prog)->counters(), XLB_DCNT_DROP_SOURCE)->packets, 2u);
}

}  // namespace
}  // namespace xlb::testing
