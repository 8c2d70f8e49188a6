// New-flow admission: the per-VIP connection-rate limit (a token bucket) and
// the stateless fallback that stops inserting sessions under a flood.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <chrono>
#include <thread>

#include "bpf/flows.h"
#include "bpf/harness.h"

namespace xlb::testing {
namespace {

using namespace flows;

const std::vector<std::string> kTwo = {"198.18.11.2", "198.18.12.2"};

l4::ServiceSpec limited(uint32_t rate, uint32_t burst, uint8_t proto = IPPROTO_TCP) {
  auto s = service(kVip, proto == IPPROTO_TCP ? 80 : 53, proto, kTwo);
  s.rate_limit = l4::RateLimit{rate, burst};
  return s;
}

TEST(RateLimit, NewFlowsBeyondTheBurstAreDroppedAndCountedEstablishedOnesPass) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({limited(1, 5)}).ok());  // 1/s: no refill to speak of during the test
  for (int i = 0; i < 5; ++i) EXPECT_EQ(h.run(tcp_packet(i, kTcpSyn)).action, XDP_TX) << "within the burst: " << i;
  RunOutcome over = h.run(tcp_packet(5, kTcpSyn));
  EXPECT_EQ(over.action, XDP_DROP);
  EXPECT_EQ(over.counter_deltas["drop_rate_limited"], 1u);
  // Established flows do not spend tokens: their packets hit the cache.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(h.run(tcp_packet(i, kTcpAck)).action, XDP_TX) << "established " << i;
}

// Per-VIP and per-backend statistics follow every outcome of a new flow.
TEST(RateLimit, PerVipAndPerBackendStatisticsCountEachOutcome) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = limited(1, 3);
  ASSERT_TRUE(h.apply({svc}).ok());
  for (int i = 0; i < 5; ++i) h.run(tcp_packet(i, kTcpSyn));  // 3 admitted, 2 limited
  for (int i = 0; i < 3; ++i) h.run(tcp_packet(i, kTcpAck));  // cached
  const auto& installed = h.tables().services().at(svc.key);
  xlb_vip_stats vs = h.vip_stats(installed.vip_id);
  EXPECT_EQ(vs.new_flows, 3u);
  EXPECT_EQ(vs.rate_limited, 2u);
  EXPECT_EQ(vs.session_misses, 5u) << "every SYN misses";
  EXPECT_EQ(vs.session_hits, 3u);
  EXPECT_EQ(vs.packets, 6u) << "forwarded: 3 SYNs and 3 ACKs";
  EXPECT_EQ(vs.no_backend, 0u);
  uint64_t be_new = 0, be_packets = 0;
  for (uint32_t id : installed.backend_ids) {
    be_new += h.backend_stats(id).new_flows;
    be_packets += h.backend_stats(id).packets;
  }
  EXPECT_EQ(be_new, 3u);
  EXPECT_EQ(be_packets, 6u);
}

TEST(RateLimit, UdpPacketsOfNoKnownFlowSpendTokens) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({limited(1, 2, IPPROTO_UDP)}).ok());
  EXPECT_EQ(h.run(udp_packet(1)).action, XDP_TX);
  EXPECT_EQ(h.run(udp_packet(2)).action, XDP_TX);
  EXPECT_EQ(h.run(udp_packet(3)).counter_deltas["drop_rate_limited"], 1u);
  EXPECT_EQ(h.run(udp_packet(1)).action, XDP_TX) << "a known flow goes on";
}

TEST(RateLimit, AChangedLimitTakesEffectAtOnce) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({limited(1, 1)}).ok());
  EXPECT_EQ(h.run(tcp_packet(0, kTcpSyn)).action, XDP_TX);
  EXPECT_EQ(h.run(tcp_packet(1, kTcpSyn)).action, XDP_DROP);
  ASSERT_TRUE(h.apply({limited(0, 0)}).ok());  // lifted
  for (int i = 2; i < 20; ++i) EXPECT_EQ(h.run(tcp_packet(i, kTcpSyn)).action, XDP_TX) << i;
  ASSERT_TRUE(h.apply({limited(1, 1)}).ok());  // back on; the bucket is where it was left
  EXPECT_EQ(h.run(tcp_packet(30, kTcpSyn)).action, XDP_DROP);
}

TEST(RateLimit, TheBucketRefillsAtTheRate) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({limited(50, 1)}).ok());  // one token every 20 ms
  EXPECT_EQ(h.run(tcp_packet(0, kTcpSyn)).action, XDP_TX);
  // Wait for a refill by asking, with a generous deadline; no fixed sleep decides.
  bool admitted = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int i = 1; !admitted && std::chrono::steady_clock::now() < deadline; ++i) {
    admitted = h.run(tcp_packet(i, kTcpSyn)).action == XDP_TX;
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(admitted);
}

TEST(StatelessFallback, AFloodStopsInsertsEstablishedFlowsKeepTheirBackendAndTheModeReturns) {
  XLB_REQUIRE_BPF();
  PinnedToOneCpu pin;
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kTwo)}).ok());
  // Established before the flood, while thresholds are off.
  std::vector<std::string> before;
  for (int i = 0; i < 4; ++i) before.push_back(outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet));

  l4::NodeSpec node = default_node();
  node.stateless_above = 100;  // per second: 10 new flows in one 100 ms window
  node.stateless_below = 10;
  ASSERT_TRUE(h.set_node(node).ok());
  uint64_t inserted = 0, skipped = 0, entered = 0;
  for (int i = 100; i < 160; ++i) {
    RunOutcome out = h.run(tcp_packet(i, kTcpSyn));
    EXPECT_EQ(out.action, XDP_TX) << "stateless mode still forwards";
    inserted += out.counter_deltas["session_insert"];
    skipped += out.counter_deltas["session_insert_skipped"];
    entered += out.counter_deltas["stateless_enter"];
  }
  EXPECT_EQ(entered, 1u);
  EXPECT_LE(inserted, 11u) << "at most one window's worth is inserted";
  EXPECT_EQ(inserted + skipped, 60u);
  for (int i = 0; i < 4; ++i) {
    RunOutcome out = h.run(tcp_packet(i, kTcpAck));
    EXPECT_EQ(outer_dst(out.packet), before[i]) << "established flow " << i;
    EXPECT_EQ(out.counter_deltas["session_hit"], 1u);
  }
  // Quiet: one new flow every 150 ms is under stateless_below, and the CPU inserts again.
  bool left = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 200; !left && std::chrono::steady_clock::now() < deadline; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    left = h.run(tcp_packet(i, kTcpSyn)).counter_deltas["stateless_leave"] == 1;
  }
  EXPECT_TRUE(left);
  EXPECT_EQ(h.run(tcp_packet(300, kTcpSyn)).counter_deltas["session_insert"], 1u);
}

}  // namespace
}  // namespace xlb::testing
