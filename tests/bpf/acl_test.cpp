// Listener allow-lists (allowed_cidrs): a VIP with one serves only sources in
// its prefixes, for new and established flows alike; the rest are dropped
// and counted per node and per VIP. Lists are per VIP, change in place, and
// leave nothing behind when the VIP goes.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "bpf/flows.h"
#include "bpf/harness.h"

namespace xlb::testing {
namespace {

using namespace flows;

const std::vector<std::string> kTwo = {"198.18.11.2", "198.18.12.2"};

// Clients 0..2 are 203.0.113.1-3, inside 203.0.113.0/30; client 3 is .4, outside.
l4::ServiceSpec web(std::vector<std::string> allowed, uint16_t port = 80) {
  auto s = service(kVip, port, IPPROTO_TCP, kTwo);
  for (const auto& p : allowed) s.allowed_sources.push_back(*Prefix::parse(p));
  std::sort(s.allowed_sources.begin(), s.allowed_sources.end());  // a set, as the config gives it
  return s;
}

Bytes syn_to(int client_index, uint16_t port) {
  return PacketBuilder()
      .eth(kClientMac, kNodeMac)
      .ipv4(client(client_index), kVip)
      .tcp(flows::port(client_index), port, {.flags = kTcpSyn})
      .build();
}

size_t acl_entries(L4Harness& h) {
  auto keys = h.program().vip_acl().keys(sizeof(xlb_acl_key));
  EXPECT_TRUE(keys.ok());
  return keys.ok() ? keys->size() : 0;
}

TEST(AllowedCidrs, OnlySourcesInTheListAreServedTheRestDroppedAndCounted) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = web({"203.0.113.0/30"});
  ASSERT_TRUE(h.apply({svc}).ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h.run(tcp_packet(i, kTcpSyn)).action, XDP_TX) << client(i);
  RunOutcome refused = h.run(tcp_packet(3, kTcpSyn));
  EXPECT_EQ(refused.action, XDP_DROP);
  EXPECT_EQ(refused.counter_deltas["drop_acl_denied"], 1u);
  EXPECT_EQ(refused.counter_deltas["session_miss"], 0u) << "refused before the cache is asked";
  EXPECT_EQ(refused.counter_deltas["new_flow"], 0u);
  const auto& installed = h.tables().services().at(svc.key);
  xlb_vip_stats vs = h.vip_stats(installed.vip_id);
  EXPECT_EQ(vs.acl_denied, 1u);
  EXPECT_EQ(vs.new_flows, 3u);
  EXPECT_EQ(vs.packets, 3u);
}

TEST(AllowedCidrs, ANarrowedListCutsEstablishedFlowsAndAnEmptyOneServesEveryone) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({web({"203.0.113.0/24"})}).ok());
  ASSERT_EQ(h.run(tcp_packet(5, kTcpSyn)).action, XDP_TX);
  ASSERT_EQ(h.run(tcp_packet(5, kTcpAck)).action, XDP_TX);
  // Narrowed in place (the ring stays): the cached flow of client 5 is refused too.
  ASSERT_TRUE(h.apply({web({"203.0.113.0/30"})}).ok());
  EXPECT_EQ(h.run(tcp_packet(5, kTcpAck)).counter_deltas["drop_acl_denied"], 1u);
  EXPECT_EQ(h.run(tcp_packet(1, kTcpSyn)).action, XDP_TX);
  EXPECT_EQ(acl_entries(h), 1u) << "the /24 was deleted";
  // No list: every source again, and no entry left.
  ASSERT_TRUE(h.apply({web({})}).ok());
  EXPECT_EQ(h.run(tcp_packet(5, kTcpAck)).action, XDP_TX);
  EXPECT_EQ(acl_entries(h), 0u);
}

TEST(AllowedCidrs, EachVipHasItsOwnListAndTheLongestPrefixDoesNotLeakAcross) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  // Port 80 allows the first /30, port 443 the second /30 and a host route to client 0.
  ASSERT_TRUE(h.apply({web({"203.0.113.0/30"}, 80), web({"203.0.113.4/30", "203.0.113.1/32"}, 443)}).ok());
  EXPECT_EQ(h.run(syn_to(3, 80)).action, XDP_DROP) << "203.0.113.4 is 443's";
  EXPECT_EQ(h.run(syn_to(3, 443)).action, XDP_TX);
  EXPECT_EQ(h.run(syn_to(1, 443)).action, XDP_DROP) << "203.0.113.2 is only 80's";
  EXPECT_EQ(h.run(syn_to(0, 443)).action, XDP_TX) << "203.0.113.1/32";
  EXPECT_EQ(h.run(syn_to(0, 80)).action, XDP_TX);
  // A VIP that goes takes its entries with it.
  ASSERT_TRUE(h.apply({web({"203.0.113.0/30"}, 80)}).ok());
  EXPECT_EQ(acl_entries(h), 1u);
}

TEST(AllowedCidrs, AnIcmpErrorMustQuoteAFlowOfAnAllowedClient) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  ASSERT_TRUE(h.apply({web({"203.0.113.0/30"})}).ok());
  // Fragmentation Needed from a router on the path (outside the list itself),
  // quoting what the backend sent to the client.
  auto error_about = [](int client_index) {
    Bytes quoted = PacketBuilder()
                       .ipv4(kVip, client(client_index), {.df = true})
                       .tcp(80, flows::port(client_index), {.flags = kTcpAck})
                       .build();
    return PacketBuilder()
        .eth(kClientMac, kNodeMac)
        .ipv4("198.18.0.1", kVip)
        .icmp(3, 4, 1400)
        .payload(Bytes(quoted.begin(), quoted.begin() + 28))
        .build();
  };
  EXPECT_EQ(h.run(error_about(1)).counter_deltas["icmp_error_forwarded"], 1u) << "203.0.113.2 is allowed";
  RunOutcome forged = h.run(error_about(3));
  EXPECT_EQ(forged.action, XDP_DROP) << "203.0.113.4 could have no flow here";
  EXPECT_EQ(forged.counter_deltas["drop_acl_denied"], 1u);
}

TEST(AllowedCidrs, Ipv6Sources) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = service("2001:db8:100::1", 80, IPPROTO_TCP, {"2001:db8:10::1"});
  svc.allowed_sources = {*Prefix::parse("2001:db8:c::/48")};
  ASSERT_TRUE(h.apply({svc}).ok());
  auto syn_from = [](const char* src) {
    return PacketBuilder().eth(kClientMac, kNodeMac).ipv6(src, "2001:db8:100::1").tcp(40000, 80, {.flags = kTcpSyn})
        .build();
  };
  EXPECT_EQ(h.run(syn_from("2001:db8:c::77")).action, XDP_TX);
  RunOutcome refused = h.run(syn_from("2001:db8:d::77"));
  EXPECT_EQ(refused.action, XDP_DROP);
  EXPECT_EQ(refused.counter_deltas["drop_acl_denied"], 1u);
}

TEST(AllowedCidrs, AnUnsortedListIsRefusedWholeBeforeAnythingIsWritten) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = service(kVip, 80, IPPROTO_TCP, kTwo);
  svc.allowed_sources = {*Prefix::parse("203.0.113.4/30"), *Prefix::parse("203.0.113.0/30")};
  auto applied = h.apply({svc});
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("must be sorted and listed once"), std::string::npos);
  EXPECT_EQ(acl_entries(h), 0u);
}

TEST(AllowedCidrs, ARestartedAgentRecoversTheListsFromTheMaps) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = web({"203.0.113.0/30", "198.18.0.0/15"});
  std::sort(svc.allowed_sources.begin(), svc.allowed_sources.end());
  ASSERT_TRUE(h.apply({svc}).ok());
  auto recovered = l4::Tables::recover(l4::maps_of(h.program()));
  ASSERT_TRUE(recovered.ok()) << recovered.error().message;
  const auto& spec = recovered->services().at(svc.key).spec;
  EXPECT_EQ(spec.allowed_sources, svc.allowed_sources);
  EXPECT_EQ(spec.flags & XLB_VIP_ACL, 0u) << "the flag follows the list; it is not part of the spec";
}

}  // namespace
}  // namespace xlb::testing
