#include "bpf/harness.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include "l4/counter_names.h"
#include "xlb/flow_hash.h"

namespace xlb::testing {

namespace {
void check(const Status& st, const char* what) {
  if (!st) throw std::runtime_error(std::string(what) + ": " + st.error().message);
}
}  // namespace

bool bpf_available(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root (CAP_BPF, CAP_NET_ADMIN) to load BPF programs";
    return false;
  }
  return true;
}

L4Harness::L4Harness(uint32_t ring_size, uint32_t max_vips, uint32_t max_backends) {
  xlb_params p = bpf::default_params();
  p.ring_size = ring_size;
  p.max_vips = max_vips;
  p.max_backends = max_backends;
  p.outer_ttl = kOuterTtl;
  p.hash_seed = kSeed;
  auto prog = bpf::L4Program::load({p, "", bpf::PinMode::None});
  if (!prog) throw std::runtime_error(prog.error().message);
  program_ = std::move(*prog);
  auto tables = l4::Tables::recover(l4::maps_of(*program_));
  if (!tables) throw std::runtime_error(tables.error().message);
  tables_ = std::make_unique<l4::Tables>(std::move(*tables));
  check(tables_->set_node(default_node()), "set_node");
}

Status L4Harness::apply(const std::vector<l4::ServiceSpec>& services) {
  auto s = tables_->apply(services);
  if (!s) return s.error();
  return {};
}

Status L4Harness::set_node(const l4::NodeSpec& node) { return tables_->set_node(node); }

std::map<std::string, uint64_t> L4Harness::read_counters() const {
  std::map<std::string, uint64_t> out;
  for (uint32_t id : l4::counter_ids()) {
    auto c = bpf::read_percpu_counter(program_->counters(), id);
    if (!c) throw std::runtime_error(c.error().message);
    out[l4::counter_name(id)] = c->packets;
  }
  return out;
}

RunOutcome L4Harness::run(const Bytes& packet, int ingress_ifindex) {
  auto before = read_counters();
  auto r = bpf::xdp_test_run(program_->prog_fd(), packet, ingress_ifindex);
  if (!r) throw std::runtime_error(r.error().message);
  RunOutcome out{r->action, r->packet, {}};
  for (const auto& [name, value] : read_counters()) {
    if (value != before[name]) out.counter_deltas[name] = value - before[name];
  }
  return out;
}

xlb_vip_stats L4Harness::vip_stats(uint32_t vip_id) const {
  auto c = bpf::sum_percpu<xlb_vip_stats>(program_->vip_stats(), vip_id);
  return c ? *c : xlb_vip_stats{};
}

xlb_backend_stats L4Harness::backend_stats(uint32_t backend_id) const {
  auto c = bpf::sum_percpu<xlb_backend_stats>(program_->backend_stats(), backend_id);
  return c ? *c : xlb_backend_stats{};
}

l4::ServiceSpec service(const std::string& addr, uint16_t port, uint8_t proto, std::vector<std::string> backends,
                        uint32_t flags) {
  l4::ServiceSpec s;
  s.key = l4::ServiceKey{*IpAddr::parse(addr), port, proto};
  s.flags = flags;
  for (const auto& b : backends) s.backends.push_back(l4::BackendSpec{*IpAddr::parse(b), 1});
  return s;
}

l4::NodeSpec default_node() {
  l4::NodeSpec n;
  // /32 and /128: a fixed outer source, so expected packets are exact.
  n.encap_source_v4 = *Prefix::parse("198.18.200.1/32");
  n.encap_source_v6 = *Prefix::parse("2001:db8:ff::1/128");
  n.gateway_mac = *xlb::parse_mac(kGatewayMac);
  return n;
}

uint32_t flow_hash_of(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport, uint8_t proto) {
  auto s = *IpAddr::parse(src);
  auto d = *IpAddr::parse(dst);
  xlb_flow f{};
  std::memcpy(f.src, s.to_abi().addr, 16);
  std::memcpy(f.dst, d.to_abi().addr, 16);
  f.sport = htons(sport);
  f.dport = htons(dport);
  f.proto = proto;
  f.family = s.family;
  return xlb_flow_hash(&f, kSeed);
}

std::unique_ptr<bpf::DecapProgram> load_decap_serving_vips() {
  auto p = bpf::DecapProgram::load("");
  EXPECT_TRUE(p.ok()) << p.error().message;
  if (!p.ok()) return nullptr;
  for (const char* vip : {kVip4, kVip6}) {
    auto k = vip_addr_key(*IpAddr::parse(vip));
    uint32_t one = 1;
    EXPECT_TRUE((*p)->vips().update(&k, &one).ok());
  }
  return std::move(*p);
}

}  // namespace xlb::testing
