// ICMP errors about a VIP's flows (a router on the client's path reporting
// Too Big or Unreachable for a packet a backend sent) reach the backend that
// owns the flow, encapsulated, with the error itself untouched inside.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

constexpr const char* kRouter4 = "198.18.0.1";
constexpr const char* kRouter6 = "2001:db8:0:1::1";
const std::vector<std::string> kBackends4 = {"198.18.11.2", "198.18.12.2", "198.18.13.2", "198.18.14.2"};
const std::vector<std::string> kBackends6 = {"2001:db8:0:11::2", "2001:db8:0:12::2", "2001:db8:0:13::2"};

Bytes tail_from(const Bytes& b, size_t from) { return Bytes(b.begin() + from, b.end()); }

// What the backend sent to the client, as far as an ICMP error quotes it.
Bytes quoted_v4(uint16_t client_port) {
  Bytes ip = PacketBuilder().ipv4(kVip4, kClient4, {.df = true}).tcp(80, client_port, {.flags = kTcpAck}).build();
  return Bytes(ip.begin(), ip.begin() + 28);
}

class IcmpErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    h_ = std::make_unique<L4Harness>();
    ASSERT_TRUE(h_->apply({service(kVip4, 80, IPPROTO_TCP, kBackends4), service(kVip6, 443, IPPROTO_UDP, kBackends6)})
                    .ok());
  }
  std::unique_ptr<L4Harness> h_;
};

TEST_F(IcmpErrors, AnIpv4ErrorFollowsTheFlowItQuotes) {
  for (uint16_t client_port : {40000, 40001, 40002, 40003, 40004, 40005}) {
    Bytes syn = PacketBuilder()
                    .eth(kClientMac, kNodeMac)
                    .ipv4(kClient4, kVip4)
                    .tcp(client_port, 80, {.flags = kTcpSyn})
                    .build();
    RunOutcome flow = h_->run(syn);
    ASSERT_EQ(flow.action, XDP_TX);
    Bytes flow_outer = Bytes(flow.packet.begin() + 14, flow.packet.begin() + 34);

    Bytes error = PacketBuilder()
                      .eth(kClientMac, kNodeMac)
                      .ipv4(kRouter4, kVip4)
                      .icmp(3, 4, 1400)  // Fragmentation Needed, next-hop MTU 1400
                      .payload(quoted_v4(client_port))
                      .build();
    RunOutcome out = h_->run(error);
    ASSERT_EQ(out.action, XDP_TX) << "port " << client_port;
    EXPECT_EQ(out.counter_deltas["icmp_error_forwarded"], 1u);
    // Same backend and same outer source as the flow's own packets...
    Bytes outer = Bytes(out.packet.begin() + 14, out.packet.begin() + 34);
    EXPECT_EQ(Bytes(outer.begin() + 12, outer.end()), Bytes(flow_outer.begin() + 12, flow_outer.end()))
        << "port " << client_port;
    // ...and the error inside, byte for byte.
    EXPECT_EQ(diff_bytes(tail_from(error, 14), tail_from(out.packet, 34)), "");
  }
}

TEST_F(IcmpErrors, AnIpv6PacketTooBigFollowsTheFlowItQuotes) {
  Bytes datagram =
      PacketBuilder().eth(kClientMac, kNodeMac).ipv6(kClient6, kVip6).udp(50000, 443).payload("quic").build();
  RunOutcome flow = h_->run(datagram);
  ASSERT_EQ(flow.action, XDP_TX);
  Bytes quote = PacketBuilder().ipv6(kVip6, kClient6).udp(443, 50000).payload(Bytes(1400, 1)).build();
  Bytes error = PacketBuilder()
                    .eth(kClientMac, kNodeMac)
                    .ipv6(kRouter6, kVip6)
                    .icmp6(2, 0, 1280)
                    .payload(Bytes(quote.begin(), quote.begin() + 1232))
                    .build();
  RunOutcome out = h_->run(error);
  ASSERT_EQ(out.action, XDP_TX);
  EXPECT_EQ(out.counter_deltas["icmp_error_forwarded"], 1u);
  // Outer IPv6 destination (bytes 24..39 of the outer header) is the flow's backend.
  EXPECT_EQ(Bytes(out.packet.begin() + 14 + 24, out.packet.begin() + 14 + 40),
            Bytes(flow.packet.begin() + 14 + 24, flow.packet.begin() + 14 + 40));
  EXPECT_EQ(diff_bytes(tail_from(error, 14), tail_from(out.packet, 54)), "");
}

TEST_F(IcmpErrors, ACachedFlowsErrorGoesToItsCachedBackendAfterTheRingChanged) {
  Bytes syn = PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kClient4, kVip4).tcp(41000, 80, {.flags = kTcpSyn}).build();
  RunOutcome flow = h_->run(syn);
  Bytes backend(flow.packet.begin() + 30, flow.packet.begin() + 34);
  ASSERT_TRUE(h_->apply({service(kVip4, 80, IPPROTO_TCP, {kBackends4[0], kBackends4[1], kBackends4[2], kBackends4[3],
                                                           "198.18.15.2", "198.18.16.2", "198.18.17.2"}),
                         service(kVip6, 443, IPPROTO_UDP, kBackends6)})
                  .ok());
  Bytes error =
      PacketBuilder().eth(kClientMac, kNodeMac).ipv4(kRouter4, kVip4).icmp(3, 1, 0).payload(quoted_v4(41000)).build();
  RunOutcome out = h_->run(error);
  ASSERT_EQ(out.action, XDP_TX);
  EXPECT_EQ(Bytes(out.packet.begin() + 30, out.packet.begin() + 34), backend);
}

TEST_F(IcmpErrors, MalformedOrUnknownQuotesAreDroppedAndCounted) {
  Bytes quote = quoted_v4(40000);
  Bytes truncated = PacketBuilder()
                        .eth(kClientMac, kNodeMac)
                        .ipv4(kRouter4, kVip4)
                        .icmp(3, 4, 1400)
                        .payload(Bytes(quote.begin(), quote.begin() + 22))  // ports cut off
                        .build();
  EXPECT_EQ(h_->run(truncated).counter_deltas["drop_icmp_error_malformed"], 1u);

  Bytes other = PacketBuilder().ipv4("198.51.100.99", kClient4).tcp(80, 40000).build();  // not a VIP service
  Bytes unknown = PacketBuilder()
                      .eth(kClientMac, kNodeMac)
                      .ipv4(kRouter4, kVip4)
                      .icmp(3, 4, 1400)
                      .payload(Bytes(other.begin(), other.begin() + 28))
                      .build();
  EXPECT_EQ(h_->run(unknown).counter_deltas["drop_icmp_error_unknown_flow"], 1u);

  Bytes wrong_port = PacketBuilder().ipv4(kVip4, kClient4).tcp(8080, 40000).build();  // VIP, but no service there
  Bytes no_service = PacketBuilder()
                         .eth(kClientMac, kNodeMac)
                         .ipv4(kRouter4, kVip4)
                         .icmp(3, 4, 1400)
                         .payload(Bytes(wrong_port.begin(), wrong_port.begin() + 28))
                         .build();
  EXPECT_EQ(h_->run(no_service).counter_deltas["drop_icmp_error_unknown_flow"], 1u);

  Bytes lying_length = PacketBuilder()
                           .eth(kClientMac, kNodeMac)
                           .ipv4(kRouter4, kVip4, {.tot_len = 400})
                           .icmp(3, 4, 1400)
                           .payload(quote)
                           .build();
  EXPECT_EQ(h_->run(lying_length).counter_deltas["drop_icmp_error_malformed"], 1u);
}

}  // namespace
}  // namespace xlb::testing
