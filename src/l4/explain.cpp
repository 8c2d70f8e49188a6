#include "l4/explain.h"

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <vector>

#include "bpf/l4_program.h"
#include "bpf/xdp.h"
#include "l4/counter_names.h"
#include "l4/map_set.h"
#include "l4/tables.h"
#include "xlb/flow_hash.h"

namespace xlb::l4 {

namespace {

void put16(std::vector<uint8_t>& p, size_t off, uint16_t v) {
  p[off] = v >> 8;
  p[off + 1] = v & 0xff;
}

// Ethernet + IP + a TCP SYN or a small UDP datagram, as a client would send.
std::vector<uint8_t> probe_packet(const FlowQuery& q) {
  const bool v4 = q.src.is_v4();
  const size_t l3 = v4 ? 20 : 40, l4 = q.proto == IPPROTO_TCP ? 20 : 8;
  std::vector<uint8_t> p(14 + l3 + l4, 0);
  const uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 0x01}, src_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
  std::memcpy(&p[0], dst_mac, 6);
  std::memcpy(&p[6], src_mac, 6);
  put16(p, 12, v4 ? 0x0800 : 0x86dd);
  uint8_t* ip = &p[14];
  if (v4) {
    ip[0] = 0x45;
    put16(p, 16, static_cast<uint16_t>(l3 + l4));
    ip[8] = 64;
    ip[9] = q.proto;
    std::memcpy(ip + 12, q.src.bytes.data(), 4);
    std::memcpy(ip + 16, q.dst.bytes.data(), 4);
  } else {
    ip[0] = 0x60;
    put16(p, 18, static_cast<uint16_t>(l4));
    ip[6] = q.proto;
    ip[7] = 64;
    std::memcpy(ip + 8, q.src.bytes.data(), 16);
    std::memcpy(ip + 24, q.dst.bytes.data(), 16);
  }
  size_t l4off = 14 + l3;
  put16(p, l4off, q.sport);
  put16(p, l4off + 2, q.dport);
  if (q.proto == IPPROTO_TCP) {
    p[l4off + 12] = 5 << 4;
    p[l4off + 13] = 0x02;  // SYN
  } else {
    put16(p, l4off + 4, static_cast<uint16_t>(l4));
  }
  return p;
}

// The outer destination and source of an encapsulated frame (no VLAN tags).
void read_outer(const std::vector<uint8_t>& out, Explanation& e) {
  if (out.size() < 14 + 40) return;
  uint16_t ethertype = uint16_t(out[12] << 8 | out[13]);
  IpAddr dst, src;
  if (ethertype == 0x0800) {
    dst.family = src.family = XLB_FAMILY_V4;
    std::memcpy(src.bytes.data(), &out[14 + 12], 4);
    std::memcpy(dst.bytes.data(), &out[14 + 16], 4);
  } else {
    dst.family = src.family = XLB_FAMILY_V6;
    std::memcpy(src.bytes.data(), &out[14 + 8], 16);
    std::memcpy(dst.bytes.data(), &out[14 + 24], 16);
  }
  e.backend = dst;
  e.outer_source = src;
}

// The interface the node's L4 program is attached to in this namespace, so
// the probe meets the same FIB answer a real packet would. 0 if none.
int attached_interface(std::string& name) {
  int found = 0;
  struct if_nameindex* all = ::if_nameindex();
  for (struct if_nameindex* i = all; all && i->if_index != 0; ++i) {
    auto prog = bpf::xdp_attached_name(static_cast<int>(i->if_index));
    if (prog && *prog == bpf::L4Program::kProgramName) {
      found = static_cast<int>(i->if_index);
      name = i->if_name;
      break;
    }
  }
  if (all) if_freenameindex(all);
  return found;
}

}  // namespace

Result<Explanation> explain(const std::string& pin_dir, const FlowQuery& q) {
  if (q.src.family != q.dst.family) return Error{"source and destination must both be IPv4 or both IPv6"};
  if (q.proto != IPPROTO_TCP && q.proto != IPPROTO_UDP) return Error{"protocol must be tcp or udp"};
  auto params = bpf::read_pinned_params(pin_dir);
  if (!params) return params.error();
  auto prog = bpf::L4Program::load({*params, pin_dir, bpf::PinMode::ConfigOnly});
  if (!prog) return prog.error();

  Explanation e;
  int ifindex = attached_interface(e.ingress);
  auto run = bpf::xdp_test_run((*prog)->prog_fd(), probe_packet(q), ifindex);
  if (!run) return run.error();
  e.verdict = bpf::xdp_action_name(run->action);
  e.ring_size = params->ring_size;

  // Why: the service it matched and the hash the program computed.
  auto tables = Tables::recover(maps_of(**prog));
  if (!tables) return tables.error();
  std::optional<ServiceKey> matched;
  for (uint16_t port : {q.dport, uint16_t(0)}) {
    auto it = tables->services().find(ServiceKey{q.dst, port, q.proto});
    if (it == tables->services().end()) continue;
    matched = it->first;
    e.service = it->first.str();
    e.source_only_hash = it->second.spec.flags & XLB_VIP_HASH_SRC_ONLY;
    xlb_flow f{};
    std::memcpy(f.src, q.src.to_abi().addr, 16);
    f.family = q.src.family;
    if (!e.source_only_hash) {
      std::memcpy(f.dst, q.dst.to_abi().addr, 16);
      f.sport = htons(q.sport);
      f.dport = htons(q.dport);
      f.proto = q.proto;
    }
    e.hash = xlb_flow_hash(&f, params->hash_seed);
    e.ring_slot = e.hash % params->ring_size;
    break;
  }

  auto reset = bpf::read_percpu_counter((*prog)->counters(), XLB_CNT_RESET_NO_BACKEND);
  if (reset && reset->packets > 0) {
    // Sent back to the client, not to a backend: there is no outer header to read.
    e.verdict += " (a RST to the client: no backend available)";
    e.drop_reason = "reset_no_backend";
    return e;
  }
  auto no_neigh = bpf::read_percpu_counter((*prog)->counters(), XLB_CNT_FIB_NO_NEIGH);
  const bool encapsulated_pass = run->action == XDP_PASS && no_neigh && no_neigh->packets > 0;
  if (encapsulated_pass) e.verdict += " (encapsulated; the kernel resolves the next hop)";
  if (run->action == XDP_TX || run->action == XDP_REDIRECT || encapsulated_pass) {
    read_outer(run->packet, e);
    for (const auto& [id, slot] : tables->backends()) {
      if (e.backend && slot.address == *e.backend && matched && slot.service == *matched) e.backend_id = id;
    }
  } else if (run->action == XDP_DROP) {
    for (uint32_t r = 0; r < XLB_DROP_REASON_COUNT; ++r) {
      auto c = bpf::read_percpu_counter((*prog)->counters(), XLB_CNT_DROP_REASON_BASE + r);
      if (c && c->packets) e.drop_reason = drop_reason_name(r);
    }
  }
  return e;
}

}  // namespace xlb::l4
