// Which backend a flow gets: the program must agree with the ring the
// control plane built, spread flows, keep a flow's choice stable, honour
// source-only hashing, and move flows only as Maglev allows when the backend
// set changes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cstring>
#include <map>

#include "bpf/harness.h"
#include "maglev/maglev.h"

namespace xlb::testing {
namespace {

constexpr const char* kVip = "198.51.100.10";
const std::vector<std::string> kBackends = {"198.18.11.2", "198.18.12.2", "198.18.13.2"};

std::string client_addr(int i) { return "203.0.113." + std::to_string(1 + i % 200); }
uint16_t client_port(int i) { return static_cast<uint16_t>(20000 + i); }

// The outer destination of an IPv4-in-IPv4 frame without VLAN tags.
std::string outer_dst(const Bytes& out) {
  if (out.size() < 34) return "";
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &out[30], buf, sizeof(buf));
  return buf;
}
std::string outer_src(const Bytes& out) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &out[26], buf, sizeof(buf));
  return buf;
}

Bytes syn(const std::string& src, uint16_t sport, uint16_t dport = 80) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(src, kVip).tcp(sport, dport, {.flags = kTcpSyn}).build();
}

// The ring the control plane should have built, computed in userspace;
// ids are 1 + the index into `backends`.
std::vector<uint32_t> expected_ring(const std::vector<std::string>& backends, uint32_t ring_size) {
  std::vector<maglev::Backend> members;
  for (size_t i = 0; i < backends.size(); ++i) members.push_back({uint32_t(i + 1), backends[i], 1});
  return *maglev::build(members, ring_size);
}

TEST(L4Choice, ProgramAgreesWithTheRingAndSpreadsFlows) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kBackends)}).ok());
  const auto ring = expected_ring(kBackends, 65537);
  std::map<std::string, int> share;
  for (int i = 0; i < 1500; ++i) {
    RunOutcome out = h.run(syn(client_addr(i), client_port(i)));
    ASSERT_EQ(out.action, XDP_TX);
    std::string got = outer_dst(out.packet);
    uint32_t hash = flow_hash_of(client_addr(i), client_port(i), kVip, 80, IPPROTO_TCP);
    EXPECT_EQ(got, kBackends[ring[hash % 65537] - 1]) << "flow " << i;
    share[got]++;
  }
  ASSERT_EQ(share.size(), 3u);
  for (const auto& [backend, n] : share) EXPECT_GT(n, 400) << backend;  // ~500 each
}

TEST(L4Choice, SameFlowSameBackendAndVipCountersMove) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kBackends)}).ok());
  Bytes p = syn("203.0.113.50", 33333);
  std::string first = outer_dst(h.run(p).packet);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(outer_dst(h.run(p).packet), first);
  const auto& svc = h.tables().services().begin()->second;
  EXPECT_EQ(h.vip_stats(svc.vip_id).packets, 21u);
  EXPECT_EQ(h.vip_stats(svc.vip_id).bytes, 21u * p.size());
}

TEST(L4Choice, SourceOnlyHashKeepsAClientOnOneBackend) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kBackends, XLB_VIP_HASH_SRC_ONLY)}).ok());
  std::map<std::string, std::set<std::string>> per_client;
  for (int c = 0; c < 30; ++c) {
    for (int port = 0; port < 10; ++port) {
      std::string src = client_addr(c);
      per_client[src].insert(outer_dst(h.run(syn(src, client_port(port * 7))).packet));
    }
  }
  std::set<std::string> used;
  for (const auto& [client, backends] : per_client) {
    EXPECT_EQ(backends.size(), 1u) << client;
    used.insert(backends.begin(), backends.end());
  }
  EXPECT_GT(used.size(), 1u) << "different clients still spread";
}

TEST(L4Choice, OuterSourceVariesWithTheFlowInsideThePrefix) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  l4::NodeSpec node = default_node();
  node.encap_source_v4 = *Prefix::parse("198.18.200.0/24");
  ASSERT_TRUE(h.set_node(node).ok());
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kBackends)}).ok());
  std::set<std::string> sources;
  for (int i = 0; i < 50; ++i) {
    RunOutcome out = h.run(syn(client_addr(i), client_port(i)));
    std::string src = outer_src(out.packet);
    uint32_t hash = flow_hash_of(client_addr(i), client_port(i), kVip, 80, IPPROTO_TCP);
    EXPECT_EQ(src, "198.18.200." + std::to_string(hash & 0xff));
    // The outer header checksum is right for every source.
    EXPECT_EQ(inet_checksum(&out.packet[14], 20), 0);
    sources.insert(src);
  }
  EXPECT_GT(sources.size(), 30u);
}

TEST(L4Choice, RemovingABackendMovesOnlyItsFlows) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kBackends)}).ok());
  std::vector<std::string> before;
  for (int i = 0; i < 600; ++i) before.push_back(outer_dst(h.run(syn(client_addr(i), client_port(i))).packet));
  uint32_t ring_before = h.tables().services().begin()->second.ring_id;

  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, {kBackends[0], kBackends[2]})}).ok());
  EXPECT_NE(h.tables().services().begin()->second.ring_id, ring_before) << "a new ring slot, then a flip";
  int moved_from_survivors = 0;
  for (int i = 0; i < 600; ++i) {
    std::string now = outer_dst(h.run(syn(client_addr(i), client_port(i))).packet);
    EXPECT_NE(now, kBackends[1]);
    if (before[i] != kBackends[1] && now != before[i]) moved_from_survivors++;
  }
  // Maglev keeps nearly every flow of a surviving backend where it was.
  EXPECT_LT(moved_from_survivors, 30);
}

TEST(L4Choice, ReapplyingTheSameConfigWritesNothing) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svcs = std::vector<l4::ServiceSpec>{service(kVip, 80, IPPROTO_TCP, kBackends)};
  ASSERT_TRUE(h.tables().apply(svcs).ok());
  auto again = h.tables().apply(svcs);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_EQ(again->rings_written, 0);
}

TEST(L4Choice, WeightsShapeTheShare) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = service(kVip, 80, IPPROTO_TCP, kBackends);
  svc.backends[0].weight = 2;  // 50%, 25%, 25%
  ASSERT_TRUE(h.apply({svc}).ok());
  std::map<std::string, int> share;
  for (int i = 0; i < 2000; ++i) share[outer_dst(h.run(syn(client_addr(i), client_port(i))).packet)]++;
  EXPECT_NEAR(share[kBackends[0]] / 2000.0, 0.50, 0.05);
  EXPECT_NEAR(share[kBackends[1]] / 2000.0, 0.25, 0.05);
}

TEST(L4Choice, RemovedVipPassesAgain) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kBackends)}).ok());
  EXPECT_EQ(h.run(syn("203.0.113.1", 1234)).action, XDP_TX);
  ASSERT_TRUE(h.apply({}).ok());
  EXPECT_EQ(h.run(syn("203.0.113.1", 1234)).action, XDP_PASS);
  EXPECT_TRUE(h.tables().backends().empty()) << "unused backend ids are released";
}

}  // namespace
}  // namespace xlb::testing
