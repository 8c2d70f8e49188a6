// Next hop from the kernel FIB: the neighbour's MAC and XDP_TX when the
// route leaves by the ingress interface, XDP_REDIRECT through the devmap
// when it leaves by another, the gateway MAC when the FIB has no answer, and
// a counted drop when there is neither; the per-backend cache of the FIB's
// answer, and a changed neighbour reaching the packets within an epoch.
// Runs in the test's own namespace.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <chrono>
#include <thread>

#include "bpf/harness.h"
#include "common/system.h"

namespace xlb::testing {
namespace {

constexpr const char* kRouterMac = "02:00:00:00:00:99";

// Two veth ends with a route to the backends via a neighbour on xt0.
struct FibNamespace {
  int xt0 = 0, xt1 = 0;
  FibNamespace() {
    const std::vector<std::vector<std::string>> cmds = {
        {"ip", "link", "add", "xt0", "address", kNodeMac, "type", "veth", "peer", "name", "xt1"},
        {"ip", "link", "set", "xt0", "up"},
        {"ip", "link", "set", "xt1", "up"},
        {"ip", "addr", "add", "198.18.50.1/24", "dev", "xt0"},
        {"ip", "neigh", "replace", "198.18.50.2", "lladdr", kRouterMac, "dev", "xt0", "nud", "permanent"},
        {"ip", "route", "add", "198.18.10.0/24", "via", "198.18.50.2", "dev", "xt0"},
    };
    for (const auto& c : cmds) {
      auto st = run_command(c);
      if (!st) throw std::runtime_error(st.error().message);
    }
    // The FIB helper answers only where forwarding is on.
    for (const char* k : {"net.ipv4.conf.all.forwarding", "net.ipv4.conf.xt0.forwarding", "net.ipv4.conf.xt1.forwarding"})
      (void)write_sysctl(k, "1");
    xt0 = *bpf::interface_index("xt0");
    xt1 = *bpf::interface_index("xt1");
  }
  ~FibNamespace() { (void)run_command({"ip", "link", "del", "xt0"}); }
};

Bytes client_syn() {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4("203.0.113.9", "198.51.100.1").tcp(4000, 80, {.flags = kTcpSyn}).build();
}

Bytes encapsulated(const char* src_mac, const char* dst_mac, const char* backend = "198.18.10.1") {
  return PacketBuilder()
      .eth(src_mac, dst_mac)
      .ipv4("198.18.200.1", backend, {.ttl = kOuterTtl, .df = true})
      .ipv4("203.0.113.9", "198.51.100.1")
      .tcp(4000, 80, {.flags = kTcpSyn})
      .build();
}

TEST(L4NextHop, FibNeighbourOnTheIngressInterfaceMeansXdpTx) {
  XLB_REQUIRE_BPF();
  FibNamespace ns;
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());
  RunOutcome out = h.run(client_syn(), ns.xt0);
  EXPECT_EQ(out.action, XDP_TX);
  EXPECT_EQ(diff_bytes(encapsulated(kNodeMac, kRouterMac), out.packet), "");
  EXPECT_EQ(out.counter_deltas["fib_hit"], 1u);
  EXPECT_EQ(out.counter_deltas["fib_fallback"], 0u);
}

TEST(L4NextHop, LaterPacketsTakeTheCachedAnswerForTheSameIngress) {
  XLB_REQUIRE_BPF();
  FibNamespace ns;
  PinnedToOneCpu pin;  // the cache is per CPU
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());
  uint64_t cached = 0;
  for (int i = 0; i < 4; i++) {
    RunOutcome out = h.run(client_syn(), ns.xt0);
    EXPECT_EQ(out.action, XDP_TX);
    EXPECT_EQ(diff_bytes(encapsulated(kNodeMac, kRouterMac), out.packet), "");
    EXPECT_EQ(out.counter_deltas["fib_hit"], 1u);
    cached += out.counter_deltas["nexthop_cached"];
  }
  // The first packet looks up; so may one more if a new epoch (about a
  // second) began during these milliseconds. The others use the answer.
  EXPECT_GE(cached, 2u);
  EXPECT_LE(cached, 3u);
  // Arriving on another interface, the answer is not the cached one.
  uint32_t key = ns.xt0, value = ns.xt0;
  ASSERT_TRUE(h.program().tx_ports().update(&key, &value).ok());
  RunOutcome other = h.run(client_syn(), ns.xt1);
  EXPECT_EQ(other.action, XDP_REDIRECT);
  EXPECT_EQ(other.counter_deltas["nexthop_cached"], 0u);
}

TEST(L4NextHop, AChangedNeighbourReachesThePacketsWithinAnEpoch) {
  XLB_REQUIRE_BPF();
  FibNamespace ns;
  PinnedToOneCpu pin;
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());
  EXPECT_EQ(diff_bytes(encapsulated(kNodeMac, kRouterMac), h.run(client_syn(), ns.xt0).packet), "");
  constexpr const char* kNewRouterMac = "02:00:00:00:00:98";
  ASSERT_TRUE(run_command({"ip", "neigh", "replace", "198.18.50.2", "lladdr", kNewRouterMac, "dev", "xt0", "nud",
                           "permanent"}).ok());
  // An epoch is 256 jiffies (about 1 s at HZ=250, 2.6 s at HZ=100): wait for
  // the new MAC with a generous deadline, never a fixed sleep.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    seen = diff_bytes(encapsulated(kNodeMac, kNewRouterMac), h.run(client_syn(), ns.xt0).packet).empty();
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(seen) << "the new neighbour MAC never reached the packets";
}

TEST(L4NextHop, RouteWithoutNeighbourIsLeftToTheKernelEncapsulated) {
  XLB_REQUIRE_BPF();
  FibNamespace ns;
  ASSERT_TRUE(run_command({"ip", "route", "add", "198.18.11.0/24", "via", "198.18.50.3", "dev", "xt0"}).ok());
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.11.1"})}).ok());
  RunOutcome out = h.run(client_syn(), ns.xt0);
  EXPECT_EQ(out.action, XDP_PASS);
  EXPECT_EQ(out.counter_deltas["fib_no_neigh"], 1u);
  EXPECT_EQ(out.counter_deltas["pass"], 1u);
  // The kernel gets the packet already encapsulated toward the backend.
  Bytes expected = encapsulated(kNodeMac, kRouterMac, "198.18.11.1");
  EXPECT_EQ(diff_bytes(Bytes(expected.begin() + 12, expected.end()), Bytes(out.packet.begin() + 12, out.packet.end())), "");
}

TEST(L4NextHop, OtherEgressInterfaceNeedsTheDevmap) {
  XLB_REQUIRE_BPF();
  FibNamespace ns;
  L4Harness h;
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());

  RunOutcome refused = h.run(client_syn(), ns.xt1);
  EXPECT_EQ(refused.action, XDP_DROP);
  EXPECT_EQ(refused.counter_deltas["drop_no_tx_port"], 1u);

  uint32_t key = ns.xt0, value = ns.xt0;
  ASSERT_TRUE(h.program().tx_ports().update(&key, &value).ok());
  RunOutcome out = h.run(client_syn(), ns.xt1);
  EXPECT_EQ(out.action, XDP_REDIRECT);
  EXPECT_EQ(out.counter_deltas["redirect"], 1u);
  EXPECT_EQ(diff_bytes(encapsulated(kNodeMac, kRouterMac), out.packet), "");
}

TEST(L4NextHop, NoFibAnswerAndNoGatewayIsACountedDrop) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  l4::NodeSpec node = default_node();
  node.gateway_mac.reset();
  ASSERT_TRUE(h.set_node(node).ok());
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());
  RunOutcome out = h.run(client_syn());
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_no_route"], 1u);
}

TEST(L4NextHop, MissingEncapSourceIsACountedDrop) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  l4::NodeSpec node = default_node();
  node.encap_source_v4.reset();
  ASSERT_TRUE(h.set_node(node).ok());
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());
  RunOutcome out = h.run(client_syn());
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_no_encap_source"], 1u);
}

}  // namespace
}  // namespace xlb::testing
