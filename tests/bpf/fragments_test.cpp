// IP fragments: to an all-ports VIP that hashes on the addresses, every
// fragment of a datagram (the first, with the ports, and the later ones,
// without) reaches the same backend, forwarded whole; to any other VIP they
// are dropped and counted.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

const std::vector<std::string> kBackends4 = {"198.18.11.2", "198.18.12.2", "198.18.13.2"};
const std::vector<std::string> kBackends6 = {"2001:db8:0:11::2", "2001:db8:0:12::2", "2001:db8:0:13::2"};

Bytes tail_from(const Bytes& b, size_t from) { return Bytes(b.begin() + from, b.end()); }

class Fragments : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    h_ = std::make_unique<L4Harness>();
    ASSERT_TRUE(h_->apply({service(kVip4, 0, IPPROTO_UDP, kBackends4, XLB_VIP_HASH_ADDRESSES),
                           service(kVip6, 0, IPPROTO_UDP, kBackends6, XLB_VIP_HASH_ADDRESSES),
                           service(kVip4, 53, IPPROTO_TCP, kBackends4)})
                    .ok());
  }
  std::unique_ptr<L4Harness> h_;
};

TEST_F(Fragments, EveryPieceOfAnIpv4DatagramReachesTheSameBackendWhole) {
  std::set<std::string> backends_used;
  for (int client = 1; client <= 12; ++client) {
    const std::string src = "203.0.113." + std::to_string(client);
    Bytes first = PacketBuilder()
                      .eth(kClientMac, kNodeMac)
                      .ipv4(src, kVip4, {.id = 7, .mf = true})
                      .udp(40000, 4500, {.len = 1208})
                      .payload(Bytes(1000, 0xaa))  // first 1008 bytes of the UDP datagram
                      .build();
    Bytes later = PacketBuilder()
                      .eth(kClientMac, kNodeMac)
                      .ipv4(src, kVip4, {.id = 7, .frag_offset = 126, .protocol = IPPROTO_UDP})
                      .payload(Bytes(200, 0xbb))
                      .build();
    RunOutcome a = h_->run(first), b = h_->run(later);
    ASSERT_EQ(a.action, XDP_TX) << src;
    ASSERT_EQ(b.action, XDP_TX) << src;
    EXPECT_EQ(a.counter_deltas["fragment_forwarded"], 1u);
    const Bytes backend_a(a.packet.begin() + 30, a.packet.begin() + 34), backend_b(b.packet.begin() + 30, b.packet.begin() + 34);
    EXPECT_EQ(backend_a, backend_b) << "the pieces of " << src << "'s datagram split";
    EXPECT_EQ(diff_bytes(tail_from(first, 14), tail_from(a.packet, 34)), "");
    EXPECT_EQ(diff_bytes(tail_from(later, 14), tail_from(b.packet, 34)), "");
    backends_used.insert(std::string(backend_a.begin(), backend_a.end()));
  }
  EXPECT_GT(backends_used.size(), 1u) << "clients spread over the backends";
}

TEST_F(Fragments, AnIpv6DatagramsFragmentsStayTogether) {
  Bytes first = PacketBuilder()
                    .eth(kClientMac, kNodeMac)
                    .ipv6(kClient6, kVip6)
                    .ipv6_frag(0, true, 99)
                    .udp(40000, 4500, {.len = 1500})
                    .payload(Bytes(1224, 1))
                    .build();
  Bytes later = PacketBuilder()
                    .eth(kClientMac, kNodeMac)
                    .ipv6(kClient6, kVip6)
                    // offset 154 (x 8 bytes), last piece, id 99; the datagram is UDP
                    .ipv6_ext(44, {0x04, 0xd0, 0, 0, 0, 99}, {.next_header = IPPROTO_UDP})
                    .payload(Bytes(268, 2))
                    .build();
  RunOutcome a = h_->run(first), b = h_->run(later);
  ASSERT_EQ(a.action, XDP_TX);
  ASSERT_EQ(b.action, XDP_TX);
  EXPECT_EQ(Bytes(a.packet.begin() + 38, a.packet.begin() + 54), Bytes(b.packet.begin() + 38, b.packet.begin() + 54));
  EXPECT_EQ(diff_bytes(tail_from(later, 14), tail_from(b.packet, 54)), "");
}

TEST_F(Fragments, ToAnyOtherVipFragmentsAreDroppedAndCounted) {
  Bytes tcp_fragment = PacketBuilder()
                           .eth(kClientMac, kNodeMac)
                           .ipv4(kClient4, kVip4, {.mf = true})
                           .tcp(40000, 53)
                           .build();
  RunOutcome out = h_->run(tcp_fragment);  // TCP: only the port-53 service, which hashes the 5-tuple
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_fragment"], 1u);
}

}  // namespace
}  // namespace xlb::testing
