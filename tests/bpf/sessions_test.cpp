// The session cache: a flow keeps its backend across ring changes; a SYN
// starts afresh; an RST never inserts; an entry whose backend id was released
// (or handed to another backend) no longer counts; UDP entries expire; a
// stateless VIP never uses the cache.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cstring>
#include <ctime>

#include "bpf/flows.h"
#include "bpf/harness.h"

namespace xlb::testing {
namespace {

using namespace flows;

bool has_session(L4Harness& h, const xlb_flow& key) {
  xlb_session s{};
  return *h.program().sessions().lookup(&key, &s);
}

const std::vector<std::string> kTwo = {"198.18.11.2", "198.18.12.2"};
const std::vector<std::string> kFour = {"198.18.11.2", "198.18.12.2", "198.18.13.2", "198.18.14.2"};

TEST(Sessions, ACachedFlowKeepsItsBackendWhenTheRingChangesAndASynStartsAfresh) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kTwo)}).ok());
  std::vector<std::string> first;
  for (int i = 0; i < 200; ++i) first.push_back(outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet));

  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kFour)}).ok());
  for (int i = 0; i < 200; ++i) {
    RunOutcome out = h.run(tcp_packet(i, kTcpAck));
    EXPECT_EQ(outer_dst(out.packet), first[i]) << "flow " << i << " moved";
    EXPECT_EQ(out.counter_deltas["session_hit"], 1u);
  }
  // The ring moved about half of them; a new connection on the same tuple follows the ring.
  int moved = 0;
  for (int i = 0; i < 200; ++i) {
    RunOutcome out = h.run(tcp_packet(i, kTcpSyn));
    EXPECT_EQ(out.counter_deltas["session_miss"], 1u) << "a SYN never trusts the cache";
    moved += outer_dst(out.packet) != first[i];
  }
  EXPECT_GT(moved, 50);
  EXPECT_LT(moved, 150);
}

TEST(Sessions, AnRstNeverInserts) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kTwo)}).ok());
  RunOutcome out = h.run(tcp_packet(1, kTcpRst | kTcpAck));
  EXPECT_EQ(out.action, XDP_TX);
  EXPECT_EQ(out.counter_deltas["session_insert"], 0u);
  EXPECT_FALSE(has_session(h, flow_key(1, 80, IPPROTO_TCP)));
  h.run(tcp_packet(2, kTcpAck));  // a mid-stream packet (after a restart, say) does insert
  EXPECT_TRUE(has_session(h, flow_key(2, 80, IPPROTO_TCP)));
}

TEST(Sessions, AReleasedOrReusedBackendIdNoLongerMatches) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kTwo)}).ok());
  // Find a flow cached on the second backend.
  int on_second = -1;
  for (int i = 0; i < 50 && on_second < 0; ++i)
    if (outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet) == kTwo[1]) on_second = i;
  ASSERT_GE(on_second, 0);

  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, {kTwo[0]})}).ok());  // its id is released
  RunOutcome out = h.run(tcp_packet(on_second, kTcpAck));
  EXPECT_EQ(outer_dst(out.packet), kTwo[0]);
  EXPECT_EQ(out.counter_deltas["session_miss"], 1u);

  // Cache a flow on the first backend, drop that backend, and give its id to a new one.
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, {kTwo[0], "198.18.15.2"})}).ok());
  on_second = -1;
  for (int i = 100; i < 150 && on_second < 0; ++i)
    if (outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet) == kTwo[0]) on_second = i;
  ASSERT_GE(on_second, 0);
  auto id_of = [&](const std::string& addr) {
    for (const auto& [id, slot] : h.tables().backends())
      if (slot.address.str() == addr) return id;
    return 0u;
  };
  const uint32_t old_id = id_of(kTwo[0]);
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, {"198.18.15.2"})}).ok());
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, {"198.18.15.2", "198.18.16.2"})}).ok());
  ASSERT_EQ(id_of("198.18.16.2"), old_id) << "the test needs the id handed on";
  out = h.run(tcp_packet(on_second, kTcpAck));
  EXPECT_EQ(out.counter_deltas["session_miss"], 1u) << "an entry for the id's earlier holder must not match";
}

TEST(Sessions, WeightZeroDrainsABackend) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kTwo)}).ok());
  std::vector<int> on_second;
  for (int i = 0; i < 60; ++i)
    if (outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet) == kTwo[1]) on_second.push_back(i);
  ASSERT_FALSE(on_second.empty());

  auto drained = service(kVip, 80, IPPROTO_TCP, kTwo);
  drained.backends[1].weight = 0;
  ASSERT_TRUE(h.apply({drained}).ok());
  for (int i : on_second) EXPECT_EQ(outer_dst(h.run(tcp_packet(i, kTcpAck)).packet), kTwo[1]) << "flow " << i;
  for (int i = 100; i < 160; ++i) EXPECT_EQ(outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet), kTwo[0]) << "flow " << i;
}

TEST(Sessions, UdpEntriesExpireWhenIdle) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 53, IPPROTO_UDP, kTwo)}).ok());
  EXPECT_EQ(h.run(udp_packet(3)).counter_deltas["session_insert"], 1u);
  EXPECT_EQ(h.run(udp_packet(3)).counter_deltas["session_hit"], 1u);

  // Age the entry past the 30 s default, as if the flow had been idle.
  xlb_flow key = flow_key(3, 53, IPPROTO_UDP);
  xlb_session s{};
  ASSERT_TRUE(*h.program().sessions().lookup(&key, &s));
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // the clock bpf_ktime_get_ns reads
  s.last_seen_ns = uint64_t(now.tv_sec - 31) * 1000000000ull;
  ASSERT_TRUE(h.program().sessions().update(&key, &s).ok());

  RunOutcome out = h.run(udp_packet(3));
  EXPECT_EQ(out.counter_deltas["session_miss"], 1u);
  EXPECT_EQ(out.counter_deltas["session_insert"], 1u) << "and is written afresh";
}

TEST(Sessions, AStatelessVipNeverUsesTheCache) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kTwo, XLB_VIP_STATELESS)}).ok());
  for (int i = 0; i < 20; ++i) {
    RunOutcome out = h.run(tcp_packet(i, i % 2 ? kTcpAck : kTcpSyn));
    EXPECT_EQ(out.action, XDP_TX);
    EXPECT_EQ(out.counter_deltas["session_miss"] + out.counter_deltas["session_hit"] +
                  out.counter_deltas["session_insert"],
              0u);
  }
  auto keys = h.program().sessions().keys(sizeof(xlb_flow));
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

}  // namespace
}  // namespace xlb::testing
