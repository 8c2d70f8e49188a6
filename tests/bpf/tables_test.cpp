// The control path at its limits: a full table can still be changed in one
// apply, a ring a VIP just left is not reused in the same apply, a failed
// apply is repaired by the next one, and capacity errors come before any
// map is touched.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "bpf/harness.h"

namespace xlb::testing {
namespace {

// The harness allows 16 VIPs and 64 backends.
std::vector<l4::ServiceSpec> numbered_services(int count, int first = 1) {
  std::vector<l4::ServiceSpec> out;
  for (int i = first; i < first + count; ++i)
    out.push_back(service("198.51.100." + std::to_string(i), 80, IPPROTO_TCP, {"198.18.10.1"}));
  return out;
}

std::vector<std::string> backend_addrs(int count, int third_octet = 10) {
  std::vector<std::string> out;
  for (int i = 1; i <= count; ++i) out.push_back("198.18." + std::to_string(third_octet) + "." + std::to_string(i));
  return out;
}

// Every slot of the VIP's live ring names a valid backend.
int invalid_ring_slots(L4Harness& h, const l4::ServiceKey& key) {
  auto maps = l4::maps_of(h.program());
  xlb_vip_key k = l4::vip_key_of(key);
  xlb_vip v{};
  if (!*maps.vips.lookup(&k, &v)) return -1;
  auto ring = maps.rings.read_u32_range(v.ring_id * maps.params.ring_size, maps.params.ring_size);
  int invalid = 0;
  for (uint32_t id : *ring) {
    xlb_backend be{};
    (void)maps.backends.lookup(&id, &be);
    if (!(be.flags & XLB_BACKEND_VALID)) invalid++;
  }
  return invalid;
}

TEST(Tables, ReplacingAServiceInAFullTable) {
  XLB_REQUIRE_BPF();
  L4Harness h(7);
  ASSERT_TRUE(h.apply(numbered_services(16)).ok());
  Status st = h.apply(numbered_services(16, 2));  // .1 goes, .17 comes
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(h.tables().services().size(), 16u);
}

TEST(Tables, ReplacingEveryBackendAtMaxBackends) {
  XLB_REQUIRE_BPF();
  L4Harness h(67);
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, backend_addrs(63, 10))}).ok());
  Status st = h.apply({service("198.51.100.1", 80, IPPROTO_TCP, backend_addrs(63, 11))});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(invalid_ring_slots(h, h.tables().services().begin()->first), 0);
  EXPECT_EQ(h.tables().backends().size(), 63u) << "the old ids were released";
}

TEST(Tables, ARingLeftInThisApplyIsNotRewrittenInIt) {
  XLB_REQUIRE_BPF();
  L4Harness h(7);
  auto a = service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"});
  auto b = service("198.51.100.2", 80, IPPROTO_TCP, {"198.18.10.1"});
  ASSERT_TRUE(h.apply({a, b}).ok());
  uint32_t a_ring_before = h.tables().services().at(a.key).ring_id;
  a.backends.push_back({*IpAddr::parse("198.18.10.2"), 1});
  b.backends.push_back({*IpAddr::parse("198.18.10.2"), 1});
  ASSERT_TRUE(h.apply({a, b}).ok());
  EXPECT_NE(h.tables().services().at(b.key).ring_id, a_ring_before);
}

TEST(Tables, UpdatingEveryServiceOfAFullTableFitsWithOneSpareRing) {
  XLB_REQUIRE_BPF();
  L4Harness h(7);
  auto svcs = numbered_services(16);
  ASSERT_TRUE(h.apply(svcs).ok());
  for (auto& s : svcs) s.backends.push_back({*IpAddr::parse("198.18.10.2"), 1});
  auto r = h.tables().apply(svcs);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rings_written, 16);
  for (const auto& s : svcs) EXPECT_EQ(invalid_ring_slots(h, s.key), 0);
}

// A program small enough to fill: 32 VIPs, 4 backends, 64 (VIP, backend) pairs.
struct SmallTables {
  std::unique_ptr<bpf::L4Program> prog;
  l4::MapSet maps;
  std::unique_ptr<l4::Tables> tables;
  xlb_params params = bpf::default_params();
  SmallTables() {
    params.ring_size = 7;
    params.max_vips = 32;
    params.max_backends = 64;  // room for 63 (VIP, backend) pairs
    auto p = bpf::L4Program::load({params, "", bpf::PinMode::None});
    if (!p) throw std::runtime_error(p.error().message);
    prog = std::move(*p);
    maps = l4::maps_of(*prog);
    tables = std::make_unique<l4::Tables>(std::move(*l4::Tables::recover(maps)));
    (void)tables->set_node(default_node());
  }
};

std::vector<l4::ServiceSpec> vips_with(int count, std::vector<std::string> backends) {
  std::vector<l4::ServiceSpec> out;
  for (int i = 1; i <= count; ++i) out.push_back(service("198.51.100." + std::to_string(i), 80, IPPROTO_TCP, backends));
  return out;
}

TEST(Tables, TooManyVipBackendPairsIsRefusedBeforeAnyChange) {
  XLB_REQUIRE_BPF();
  SmallTables t;
  ASSERT_TRUE(t.tables->apply(vips_with(10, {"198.18.10.1"})).ok());
  auto over = t.tables->apply(vips_with(32, {"198.18.10.1", "198.18.10.2", "198.18.10.3"}));  // 96 pairs
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("96 (VIP, backend) pairs exceed max_backends 64"), std::string::npos)
      << over.error().message;
  EXPECT_EQ(t.tables->services().size(), 10u) << "nothing changed";
}

TEST(Tables, ChangingBackendsWhenTheWeightTableIsFull) {
  XLB_REQUIRE_BPF();
  SmallTables t;
  auto full = vips_with(21, {"198.18.10.1", "198.18.10.2", "198.18.10.4"});  // 63 pairs: as many as fit
  ASSERT_TRUE(t.tables->apply(full).ok());
  auto changed = full;
  changed[0] = service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1", "198.18.10.3", "198.18.10.4"});
  auto r = t.tables->apply(changed);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto back = t.tables->apply(full);
  ASSERT_TRUE(back.ok()) << back.error().message;
  // The live ring of the changed VIP is the one the tables know, and names only valid backends.
  xlb_vip_key k = l4::vip_key_of(full[0].key);
  xlb_vip v{};
  ASSERT_TRUE(*t.maps.vips.lookup(&k, &v));
  EXPECT_EQ(v.ring_id, t.tables->services().at(full[0].key).ring_id);
  auto ring = t.maps.rings.read_u32_range(v.ring_id * t.params.ring_size, t.params.ring_size);
  for (uint32_t id : *ring) {
    xlb_backend be{};
    ASSERT_TRUE(*t.maps.backends.lookup(&id, &be));
    EXPECT_TRUE(be.flags & XLB_BACKEND_VALID) << "ring slot names backend id " << id;
  }
}

TEST(Tables, GatewayFallbackSendsFromTheNodeMacNotTheFramesDestination) {
  XLB_REQUIRE_BPF();
  L4Harness h;
  l4::NodeSpec node = default_node();
  node.node_mac = *xlb::parse_mac("02:00:00:00:00:aa");
  ASSERT_TRUE(h.set_node(node).ok());
  ASSERT_TRUE(h.apply({service("198.51.100.1", 80, IPPROTO_TCP, {"198.18.10.1"})}).ok());
  Bytes in = PacketBuilder()
                 .eth(kClientMac, "ff:ff:ff:ff:ff:ff")
                 .ipv4("203.0.113.9", "198.51.100.1")
                 .tcp(4000, 80, {.flags = kTcpSyn})
                 .build();
  RunOutcome out = h.run(in);
  ASSERT_EQ(out.action, XDP_TX);
  Bytes src_mac(out.packet.begin() + 6, out.packet.begin() + 12);
  EXPECT_EQ(src_mac, (Bytes{0x02, 0, 0, 0, 0, 0xaa}));
}

}  // namespace
}  // namespace xlb::testing
