#include "scenarios.h"

#include <algorithm>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>

#include <stdexcept>

#include "bpf/map.h"
#include "common/system.h"
#include "l4/counter_names.h"
#include "l4/map_set.h"
#include "support/packet_builder.h"

namespace xlb::bench {

namespace {

using testing::PacketBuilder;

constexpr const char* kNodeMac = "02:00:00:00:00:4c";
constexpr const char* kClientMac = "02:00:00:00:00:0c";
constexpr const char* kRouterMac = "02:00:00:00:00:99";
constexpr const char* kClient4 = "203.0.113.7";
constexpr const char* kClient6 = "2001:db8:1::7";
constexpr const char* kVip4 = "198.51.100.10";
constexpr const char* kVip6 = "2001:db8:100::10";
constexpr uint32_t kBackends4 = 0x0ac80001;  // 10.200.0.1, routed via the lab's router
constexpr uint32_t kManyVips = 0x0a640000;   // 10.100.0.0, the 1,000-VIP range
constexpr uint32_t kClients = 0x64400000;    // 100.64.0.0, where varied clients come from

// Header bytes before the payload, to pad a frame to its size.
constexpr uint32_t kEth = 14, kIp4 = 20, kIp6 = 40, kTcp = 20, kUdp = 8;
// Offsets of the IPv4 addresses in an untagged frame (the varied fields).
constexpr uint32_t kIp4SrcOffset = kEth + 12, kIp4DstOffset = kEth + 16;

IpAddr addr(const std::string& text) {
  auto a = IpAddr::parse(text);
  if (!a) throw std::invalid_argument(a.error().message);
  return *a;
}

IpAddr v4(uint32_t host_order) {
  IpAddr a;
  a.family = XLB_FAMILY_V4;
  uint32_t be = htonl(host_order);
  std::memcpy(a.bytes.data(), &be, 4);
  return a;
}

std::string v4_text(uint32_t host_order) { return v4(host_order).str(); }

// `count` IPv4 backends from 10.200.0.1 on, each on its own address.
std::vector<l4::BackendSpec> backends4(uint32_t count) {
  std::vector<l4::BackendSpec> out;
  for (uint32_t i = 0; i < count; ++i) out.push_back({v4(kBackends4 + i), 1});
  return out;
}

std::vector<l4::BackendSpec> backends6(uint32_t count) {
  std::vector<l4::BackendSpec> out;
  for (uint32_t i = 1; i <= count; ++i) out.push_back({addr("2001:db8:be::" + std::to_string(i)), 1});
  return out;
}

l4::ServiceSpec make_service(const IpAddr& vip, uint16_t port, uint8_t proto, std::vector<l4::BackendSpec> backends,
                             uint32_t flags = 0) {
  l4::ServiceSpec s;
  s.key = l4::ServiceKey{vip, port, proto};
  s.flags = flags;
  s.backends = std::move(backends);
  return s;
}

Bytes padding(uint32_t frame, uint32_t headers) {
  if (frame < headers) throw std::invalid_argument("a frame of " + std::to_string(frame) + " bytes cannot hold its " +
                                                   std::to_string(headers) + " bytes of headers");
  return Bytes(frame - headers, 0x5a);
}

// A segment of an established connection (ACK, no SYN): what most packets are.
Bytes tcp4(uint32_t frame, const std::string& dst, uint8_t flags = testing::kTcpAck | testing::kTcpPsh) {
  return PacketBuilder()
      .eth(kClientMac, kNodeMac)
      .ipv4(kClient4, dst, {.df = true})
      .tcp(40000, 80, {.flags = flags, .seq = 1000, .ack = flags & testing::kTcpAck ? 2000u : 0u})
      .payload(padding(frame, kEth + kIp4 + kTcp))
      .build();
}

Bytes udp4(uint32_t frame) {
  return PacketBuilder()
      .eth(kClientMac, kNodeMac)
      .ipv4(kClient4, kVip4, {.df = true})
      .udp(40000, 443)
      .payload(padding(frame, kEth + kIp4 + kUdp))
      .build();
}

Bytes tcp6(uint32_t frame) {
  return PacketBuilder()
      .eth(kClientMac, kNodeMac)
      .ipv6(kClient6, kVip6)
      .tcp(40000, 80, {.flags = testing::kTcpAck | testing::kTcpPsh, .seq = 1000, .ack = 2000})
      .payload(padding(frame, kEth + kIp6 + kTcp))
      .build();
}

l4::NodeSpec lab_node(const Lab& lab) {
  l4::NodeSpec n;
  n.encap_source_v4 = *Prefix::parse("198.18.200.1/32");
  n.encap_source_v6 = *Prefix::parse("2001:db8:ff::1/128");
  n.gateway_mac = *parse_mac("02:00:00:00:00:01");
  n.node_mac = lab.node_mac;
  return n;
}

xlb_params lab_params(uint32_t ring_size, uint32_t max_vips, uint32_t max_backends) {
  xlb_params p = bpf::default_params();
  p.ring_size = ring_size;
  p.max_vips = max_vips;
  p.max_backends = max_backends;
  return p;
}

}  // namespace

Result<Lab> enter_lab() {
  if (unshare(CLONE_NEWNET) != 0) return errno_error("unshare(CLONE_NEWNET)", errno);
  const std::vector<std::vector<std::string>> cmds = {
      {"ip", "link", "set", "lo", "up"},
      {"ip", "link", "add", "xb0", "address", kNodeMac, "type", "veth", "peer", "name", "xb1"},
      {"ip", "link", "set", "xb0", "up"},
      {"ip", "link", "set", "xb1", "up"},
      {"ip", "addr", "add", "198.18.50.1/24", "dev", "xb0"},
      {"ip", "-6", "addr", "add", "2001:db8:50::1/64", "dev", "xb0", "nodad"},
      {"ip", "neigh", "replace", "198.18.50.2", "lladdr", kRouterMac, "dev", "xb0", "nud", "permanent"},
      {"ip", "-6", "neigh", "replace", "2001:db8:50::2", "lladdr", kRouterMac, "dev", "xb0", "nud", "permanent"},
      {"ip", "route", "add", "10.200.0.0/16", "via", "198.18.50.2", "dev", "xb0"},
      {"ip", "-6", "route", "add", "2001:db8:be::/48", "via", "2001:db8:50::2", "dev", "xb0"},
  };
  for (const auto& c : cmds) {
    if (auto st = run_command(c); !st) return st.error().context("build the benchmark's namespace");
  }
  // The FIB helper answers only where forwarding is on.
  for (const char* k : {"net.ipv4.conf.all.forwarding", "net.ipv4.conf.xb0.forwarding", "net.ipv6.conf.all.forwarding",
                        "net.ipv6.conf.xb0.forwarding"}) {
    if (auto st = write_sysctl(k, "1"); !st) return st.error();
  }
  Lab lab;
  auto idx = bpf::interface_index("xb0");
  if (!idx) return idx.error();
  lab.ifindex = *idx;
  lab.node_mac = *parse_mac(kNodeMac);
  return lab;
}

std::vector<ScenarioDef> scenario_defs(const Lab& lab) {
  // Most scenarios are a packet forwarded to a backend: TCP to one VIP of 16
  // backends, both frame sizes, the flow cached by a first packet.
  ScenarioDef fwd;
  fwd.frames = {64, 1500};
  fwd.params = lab_params(65537, 16, 64);
  fwd.services = {make_service(addr(kVip4), 80, IPPROTO_TCP, backends4(16))};
  fwd.node = lab_node(lab);
  fwd.packet = [](uint32_t f) { return tcp4(f, kVip4); };
  fwd.warmup = 1;
  fwd.action = XDP_TX;
  fwd.counters = {XLB_CNT_SESSION_HIT, XLB_CNT_FIB_HIT, XLB_CNT_TX};
  // A SYN from a new client every iteration (a flood of new flows).
  ScenarioDef syn = fwd;
  syn.packet = [](uint32_t f) { return tcp4(f, kVip4, testing::kTcpSyn); };
  syn.vary_offset = kIp4SrcOffset;
  syn.vary_base = kClients;
  syn.vary_count = 1u << 30;
  const auto udp_vip = make_service(addr(kVip4), 443, IPPROTO_UDP, backends4(16));
  std::vector<ScenarioDef> defs;

  ScenarioDef d = fwd;
  d.name = "v4_tcp_established";
  d.what = "IPv4 TCP segment of a cached flow: session hit, IPIP, FIB, XDP_TX";
  defs.push_back(d);

  d = syn;
  d.name = "v4_tcp_syn_stateless";
  d.what = "IPv4 SYN of a new flow, node in stateless (flood) mode: ring, no insert";
  d.node.stateless_above = 1;  // any rate of new flows is a flood...
  d.node.stateless_below = 0;  // ...and it never ends; the first SYN switches
  d.counters = {XLB_CNT_SESSION_MISS, XLB_CNT_NEW_FLOW, XLB_CNT_INSERT_SKIPPED, XLB_CNT_FIB_HIT, XLB_CNT_TX};
  defs.push_back(d);

  d = syn;
  d.name = "v4_tcp_syn_insert";
  d.what = "IPv4 SYN of a new flow: ring, session insert into a full LRU cache";
  d.warmup = d.params.session_cache_size;  // fill the cache: every timed insert evicts, as under a flood
  d.counters = {XLB_CNT_SESSION_MISS, XLB_CNT_NEW_FLOW, XLB_CNT_SESSION_INSERT, XLB_CNT_FIB_HIT, XLB_CNT_TX};
  defs.push_back(d);

  d = fwd;
  d.name = "v4_udp";
  d.what = "IPv4 UDP datagram of a cached flow (idle timer refreshed)";
  d.services = {udp_vip};
  d.packet = udp4;
  defs.push_back(d);

  d = fwd;
  d.name = "v6_tcp_established";
  d.what = "IPv6 TCP segment of a cached flow: IPv6-in-IPv6 (74 B is the smallest such frame)";
  d.frames = {kEth + kIp6 + kTcp, 1500};
  d.services = {make_service(addr(kVip6), 80, IPPROTO_TCP, backends6(16))};
  d.packet = tcp6;
  defs.push_back(d);

  // The longest allow-list a listener may have (256 prefixes), the client in
  // the last one: the cost of the LPM lookup every packet of such a VIP pays.
  d = fwd;
  d.name = "v4_allowed_cidrs";
  d.what = "IPv4 TCP established on a VIP with 256 allowed_cidrs: LPM lookup, then as established";
  d.frames = {64};
  for (int i = 0; i < 255; ++i)
    d.services[0].allowed_sources.push_back(*Prefix::parse("10." + std::to_string(i) + ".0.0/16"));
  d.services[0].allowed_sources.push_back(*Prefix::parse("203.0.113.0/24"));  // kClient4
  std::sort(d.services[0].allowed_sources.begin(), d.services[0].allowed_sources.end());
  defs.push_back(d);

  d = fwd;
  d.name = "no_vip_pass";
  d.what = "IPv4 TCP to an address that is no VIP: parsed, looked up, XDP_PASS";
  d.baseline = FloorKind::Pass;
  d.packet = [](uint32_t f) { return tcp4(f, "192.0.2.99"); };
  d.warmup = 0;
  d.action = XDP_PASS;
  d.counters = {XLB_CNT_PASS};
  defs.push_back(d);

  // A full-size UDP datagram (QUIC) that no longer fits once encapsulated.
  d = fwd;
  d.name = "v4_icmp_too_big";
  d.what = "IPv4 UDP, DF, too big for the tunnel: answered with ICMP Fragmentation Needed";
  d.frames = {1500};
  d.services = {udp_vip};
  d.node.backend_mtu = 1500;
  d.packet = udp4;
  d.restore_whole_frame = true;  // the answer cuts the frame to its quote
  d.counters = {XLB_CNT_SESSION_HIT, XLB_CNT_ICMP_TOO_BIG, XLB_CNT_TX};
  defs.push_back(d);

  // Established flows from 4,096 clients in turn, spread over the backends.
  d = fwd;
  d.name = "v4_1000_backends";
  d.what = "IPv4 TCP established, one VIP with 1,000 backends, 4,096 client flows in turn";
  d.params = lab_params(65537, 16, 1024);
  d.services = {make_service(addr(kVip4), 80, IPPROTO_TCP, backends4(1000))};
  d.vary_offset = kIp4SrcOffset;
  d.vary_base = kClients;
  d.vary_count = d.warmup = 4096;
  defs.push_back(d);

  // 1,000 VIPs of 4 backends; each packet goes to the next VIP. A smaller
  // ring than the default keeps the maps at 17 MB: an established flow
  // never reads the ring, so its size does not change this path.
  d = fwd;
  d.name = "v4_1000_vips";
  d.what = "IPv4 TCP established to 1,000 VIPs (4 backends each), a different VIP each packet";
  d.params = lab_params(4099, 1024, 4096);
  d.services.clear();
  for (uint32_t i = 0; i < 1000; ++i) d.services.push_back(make_service(v4(kManyVips + i), 80, IPPROTO_TCP, backends4(4)));
  d.packet = [](uint32_t f) { return tcp4(f, v4_text(kManyVips)); };
  d.vary_offset = kIp4DstOffset;
  d.vary_base = kManyVips;
  d.vary_count = d.warmup = 1000;
  defs.push_back(d);
  return defs;
}

uint32_t restore_len(const ScenarioDef& def, uint32_t frame) {
  return def.restore_whole_frame ? frame : std::min(frame, kRestoredHeaders);
}

WrapConfig wrap_config(const ScenarioDef& def, uint32_t frame) {
  WrapConfig c;
  c.frame = def.packet(frame);
  c.restore_len = restore_len(def, frame);
  c.vary_offset = def.vary_offset;
  c.vary_base = def.vary_base;
  c.vary_count = def.vary_count;
  return c;
}

Result<std::unique_ptr<ScenarioRun>> ScenarioRun::create(const ScenarioDef& def, uint32_t frame, const Lab& lab,
                                                         Variant variant) {
  std::unique_ptr<ScenarioRun> run(new ScenarioRun());
  run->def_ = &def;
  WrapConfig config = wrap_config(def, frame);
  run->packet_ = config.frame;
  auto prog = bpf::L4Program::load({def.params, "", bpf::PinMode::None});
  if (!prog) return prog.error();
  run->program_ = std::move(*prog);
  auto tables = l4::Tables::recover(l4::maps_of(*run->program_));
  if (!tables) return tables.error();
  run->tables_ = std::make_unique<l4::Tables>(std::move(*tables));
  if (auto st = run->tables_->set_node(def.node); !st) return st.error().context("node");
  if (auto applied = run->tables_->apply(def.services); !applied) return applied.error().context("services");
  auto wrapped = WrappedBalancer::load(*run->program_, config, variant);
  if (!wrapped) return wrapped.error();
  run->wrapped_ = std::move(*wrapped);

  if (def.warmup > 0) {
    auto r = bpf::xdp_test_run(run->run_fd(), run->packet_, lab.ifindex, def.warmup);
    if (!r) return r.error().context("warm-up");
  }
  return run;
}

Result<std::map<uint32_t, uint64_t>> ScenarioRun::read_counters() const {
  std::map<uint32_t, uint64_t> out;
  for (uint32_t id : l4::counter_ids()) {
    auto c = bpf::read_percpu_counter(program_->counters(), id);
    if (!c) return c.error();
    out[id] = c->packets;
  }
  return out;
}

Status ScenarioRun::before() {
  auto c = read_counters();
  if (!c) return c.error();
  before_ = std::move(*c);
  return {};
}

Status ScenarioRun::check(const bpf::TestRunResult& r, uint32_t repeat) {
  if (r.action != def_->action)
    return Error{std::string("verdict ") + bpf::xdp_action_name(r.action) + ", expected " +
                 bpf::xdp_action_name(def_->action)};
  if (auto st = check_restored(wrapped_->wrapper(), packet_, r); !st) return st;
  auto after = read_counters();
  if (!after) return after.error();
  std::string wrong;
  const auto expects = [&](uint32_t id) {
    return std::find(def_->counters.begin(), def_->counters.end(), id) != def_->counters.end();
  };
  for (const auto& [id, value] : *after) {
    uint64_t delta = value - before_[id];
    // Forwarded packets take their next hop from the per-backend cache except
    // for the first lookup of each epoch (about a second): any share is right.
    if (id == XLB_CNT_NEXTHOP_CACHED && expects(XLB_CNT_FIB_HIT)) {
      if (delta > repeat)
        wrong += " nexthop_cached=" + std::to_string(delta) + " (want at most " + std::to_string(repeat) + ")";
      continue;
    }
    uint64_t want = expects(id) ? repeat : 0;
    if (delta != want)
      wrong += " " + l4::counter_name(id) + "=" + std::to_string(delta) + " (want " + std::to_string(want) + ")";
  }
  if (!wrong.empty()) return Error{"counters off the scenario's path after " + std::to_string(repeat) + " runs:" + wrong};
  return {};
}

Status check_restored(const WrapperMaps& w, const Bytes& sent, const bpf::TestRunResult& r) {
  auto failures = w.restore_failures();
  if (!failures) return failures.error();
  if (*failures != 0) return Error{"the wrapper failed to restore the frame " + std::to_string(*failures) + " times"};
  if (r.packet != sent) return Error{"the frame after the last run differs from the one sent: the wrapper did not restore it"};
  return {};
}

}  // namespace xlb::bench
