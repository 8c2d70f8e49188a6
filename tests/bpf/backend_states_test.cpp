// Backend states per (VIP, backend): a draining backend keeps the flows the
// cache sends it and gets no new ones; a DOWN backend loses its cached flows
// at once (they are balanced afresh) and does not get them back when it
// returns; the same address can be down for one VIP and serve another.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <algorithm>

#include "bpf/flows.h"
#include "bpf/harness.h"

namespace xlb::testing {
namespace {

using namespace flows;

const std::vector<std::string> kThree = {"198.18.11.2", "198.18.12.2", "198.18.13.2"};

l4::ServiceSpec with_state(l4::ServiceSpec s, size_t backend, l4::BackendState state) {
  s.backends.at(backend).state = state;
  return s;
}

// Flows (SYN then cached) that landed on `backend`.
std::vector<int> flows_on(L4Harness& h, const std::string& backend, int first, int count) {
  std::vector<int> out;
  for (int i = first; i < first + count; ++i)
    if (outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet) == backend) out.push_back(i);
  return out;
}

TEST(BackendStates, ADrainingBackendKeepsItsCachedFlowsAndGetsNoNewOnes) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = service(kVip, 80, IPPROTO_TCP, kThree);
  ASSERT_TRUE(h.apply({svc}).ok());
  auto on_draining = flows_on(h, kThree[1], 0, 90);
  ASSERT_FALSE(on_draining.empty());

  ASSERT_TRUE(h.apply({with_state(svc, 1, l4::BackendState::Draining)}).ok());
  for (int i : on_draining) {
    RunOutcome out = h.run(tcp_packet(i, kTcpAck));
    EXPECT_EQ(outer_dst(out.packet), kThree[1]) << "flow " << i << " left the draining backend";
    EXPECT_EQ(out.counter_deltas["session_hit"], 1u);
  }
  for (int i = 200; i < 290; ++i)
    EXPECT_NE(outer_dst(h.run(tcp_packet(i, kTcpSyn)).packet), kThree[1]) << "new flow " << i;
}

TEST(BackendStates, ADownBackendsCachedFlowsAreBalancedAfreshAndStayMoved) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = service(kVip, 80, IPPROTO_TCP, kThree);
  ASSERT_TRUE(h.apply({svc}).ok());
  auto on_down = flows_on(h, kThree[2], 0, 90);
  ASSERT_FALSE(on_down.empty());

  ASSERT_TRUE(h.apply({with_state(svc, 2, l4::BackendState::Down)}).ok());
  std::map<int, std::string> moved_to;
  for (int i : on_down) {
    RunOutcome out = h.run(tcp_packet(i, kTcpAck));
    EXPECT_EQ(out.counter_deltas["session_miss"], 1u) << "an entry on a DOWN backend must not count";
    EXPECT_EQ(out.counter_deltas["session_insert"], 1u) << "and is replaced";
    moved_to[i] = outer_dst(out.packet);
    EXPECT_TRUE(moved_to[i] == kThree[0] || moved_to[i] == kThree[1]) << "flow " << i << " went to " << moved_to[i];
  }
  // Back up: the replaced entries keep the flows where they went.
  ASSERT_TRUE(h.apply({svc}).ok());
  for (int i : on_down) {
    RunOutcome out = h.run(tcp_packet(i, kTcpAck));
    EXPECT_EQ(outer_dst(out.packet), moved_to[i]) << "flow " << i;
    EXPECT_EQ(out.counter_deltas["session_hit"], 1u);
  }
}

TEST(BackendStates, AnEntryLeftFromBeforeTheOutageDoesNotReturnToTheBackend) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = service(kVip, 80, IPPROTO_TCP, kThree);
  ASSERT_TRUE(h.apply({svc}).ok());
  auto on_down = flows_on(h, kThree[0], 0, 60);
  ASSERT_FALSE(on_down.empty());
  // Down and up again without these flows sending a packet in between: the
  // backend lost their connections, so the cache must not send them back.
  ASSERT_TRUE(h.apply({with_state(svc, 0, l4::BackendState::Down)}).ok());
  ASSERT_TRUE(h.apply({svc}).ok());
  for (int i : on_down) EXPECT_EQ(h.run(tcp_packet(i, kTcpAck)).counter_deltas["session_miss"], 1u) << "flow " << i;
}

TEST(BackendStates, StatesArePerVip) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto web = service(kVip, 80, IPPROTO_TCP, {kThree[0]});
  auto dns = service(kVip, 53, IPPROTO_UDP, {kThree[0]});
  ASSERT_TRUE(h.apply({with_state(web, 0, l4::BackendState::Down), dns}).ok());
  RunOutcome tcp = h.run(tcp_packet(1, kTcpAck));
  EXPECT_EQ(tcp.action, XDP_DROP);
  EXPECT_EQ(tcp.counter_deltas["drop_no_backend"], 1u) << "every backend down: dropped, counted, not sent";
  RunOutcome udp = h.run(udp_packet(1));
  EXPECT_EQ(udp.action, XDP_TX);
  EXPECT_EQ(outer_dst(udp.packet), kThree[0]) << "the same address still serves the other VIP";
}

// Every backend down: a new TCP connection is refused at once with a RST from
// the VIP (as a closed port would answer), byte for byte; IPv4 and IPv6, with
// VLAN tags kept.
TEST(BackendStates, ASynToAVipWithNoBackendIsAnsweredWithARst) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  const char* vip6 = "2001:db8:100::10";
  const char* client6 = "2001:db8:1::7";
  auto web = with_state(service(kVip, 80, IPPROTO_TCP, {kThree[0]}), 0, l4::BackendState::Down);
  auto web6 = service(vip6, 443, IPPROTO_TCP, {});
  ASSERT_TRUE(h.apply({web, web6}).ok());

  Bytes syn = PacketBuilder()
                  .eth(kClientMac, kNodeMac)
                  .ipv4(client(1), kVip, {.ttl = 50, .tos = 0x10, .id = 77, .df = true})
                  .tcp(port(1), 80, {.flags = kTcpSyn, .seq = 1000, .options = {2, 4, 0x05, 0xb4}})
                  .build();
  Bytes rst = PacketBuilder()
                  .eth(kNodeMac, kClientMac)
                  .ipv4(kVip, client(1), {.ttl = 64, .df = true})
                  .tcp(80, port(1), {.flags = kTcpRst | kTcpAck, .seq = 0, .ack = 1001, .window = 0})
                  .build();
  RunOutcome out = h.run(syn);
  EXPECT_EQ(out.action, XDP_TX);
  EXPECT_EQ(hexdump(out.packet), hexdump(rst));
  EXPECT_EQ(out.counter_deltas["reset_no_backend"], 1u);
  EXPECT_EQ(out.counter_deltas["tx"], 1u);

  Bytes syn6 = PacketBuilder()
                   .eth(kClientMac, kNodeMac)
                   .vlan(100)
                   .ipv6(client6, vip6, {.hop_limit = 9, .flow_label = 0x12345})
                   .tcp(40000, 443, {.flags = kTcpSyn, .seq = 0xfffffffe})
                   .payload("hi")  // data on a SYN is acknowledged too
                   .build();
  Bytes rst6 = PacketBuilder()
                   .eth(kNodeMac, kClientMac)
                   .vlan(100)
                   .ipv6(vip6, client6, {.hop_limit = 64})
                   .tcp(443, 40000, {.flags = kTcpRst | kTcpAck, .seq = 0, .ack = 1, .window = 0})
                   .build();
  out = h.run(syn6);
  EXPECT_EQ(out.action, XDP_TX);
  EXPECT_EQ(hexdump(out.packet), hexdump(rst6));

  // Not a plain header (IPv4 options): not answered, dropped and counted.
  Bytes with_options = PacketBuilder()
                           .eth(kClientMac, kNodeMac)
                           .ipv4(client(2), kVip, {.options = {1, 1, 1, 0}})
                           .tcp(port(2), 80, {.flags = kTcpSyn})
                           .build();
  out = h.run(with_options);
  EXPECT_EQ(out.action, XDP_DROP);
  EXPECT_EQ(out.counter_deltas["drop_no_backend"], 1u);
}

TEST(BackendStates, StatesSurviveAnAgentRestart) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  auto svc = with_state(with_state(service(kVip, 80, IPPROTO_TCP, kThree), 1, l4::BackendState::Draining), 2,
                        l4::BackendState::Down);
  ASSERT_TRUE(h.apply({svc}).ok());
  auto recovered = l4::Tables::recover(l4::maps_of(h.program()));
  ASSERT_TRUE(recovered.ok()) << recovered.error().message;
  auto installed = recovered->services().begin()->second.spec;
  auto by_address = [](const l4::BackendSpec& a, const l4::BackendSpec& b) { return a.address < b.address; };
  std::sort(installed.backends.begin(), installed.backends.end(), by_address);
  ASSERT_EQ(installed.backends.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(installed.backends[i].address, svc.backends[i].address);
    EXPECT_EQ(installed.backends[i].state, svc.backends[i].state) << "backend " << i;
  }
}

}  // namespace
}  // namespace xlb::testing
