#include "backend/prepare.h"

#include <cstring>

#include "bpf/decap_program.h"
#include "bpf/tc.h"
#include "common/system.h"

namespace xlb::backend {

namespace {

std::string host_route(const IpAddr& a) { return a.str() + (a.is_v4() ? "/32" : "/128"); }

// arp_ignore=1: answer ARP only for addresses on the receiving interface, so
// the backend never claims the VIP on the LAN. arp_announce=2: never use the
// VIP as the source of our own ARP requests. rp_filter=0: decapsulated
// packets come from clients that the routing table may not place behind eth0.
Status set_dsr_sysctls(const std::string& iface) {
  const std::pair<std::string, std::string> settings[] = {
      {"net.ipv4.conf.all.arp_ignore", "1"},       {"net.ipv4.conf.all.arp_announce", "2"},
      {"net.ipv4.conf.all.rp_filter", "0"},        {"net.ipv4.conf." + iface + ".rp_filter", "0"},
      {"net.ipv4.conf." + iface + ".arp_ignore", "1"}, {"net.ipv4.conf." + iface + ".arp_announce", "2"},
  };
  for (const auto& [key, value] : settings) {
    if (auto st = write_sysctl(key, value); !st) return st;
  }
  return {};
}

constexpr uint32_t kIpv4Header = 20;
constexpr uint32_t kIpv6Header = 40;
constexpr uint32_t kTcpHeader = 20;

// Writes the clamp settings, then attaches or removes the egress program:
// with clamping off nothing runs on the backend's egress path.
Status apply_mss_clamp(const bpf::DecapProgram& prog, int ifindex, const PrepareOptions& o) {
  xlb_mss_clamp clamp = o.tunnel_mtu ? mss_clamp_for(o.tunnel_mtu, o.tunnel_over_ipv6) : xlb_mss_clamp{};
  uint32_t zero = 0;
  if (auto st = prog.mss_clamp().update(&zero, &clamp); !st) return st;
  if (!o.tunnel_mtu) return bpf::tc_egress_detach(ifindex);
  return bpf::tc_egress_attach(ifindex, prog.mss_clamp_prog_fd());
}

}  // namespace

xlb_mss_clamp mss_clamp_for(uint32_t tunnel_mtu, bool tunnel_over_ipv6) {
  uint32_t outer4 = tunnel_over_ipv6 ? kIpv6Header : kIpv4Header;
  xlb_mss_clamp c{};
  c.mss4 = static_cast<uint16_t>(tunnel_mtu - outer4 - kIpv4Header - kTcpHeader);
  c.mss6 = static_cast<uint16_t>(tunnel_mtu - kIpv6Header - kIpv6Header - kTcpHeader);
  return c;
}

Status prepare(const PrepareOptions& o) {
  if (o.tunnel_mtu && (o.tunnel_mtu < kMinTunnelMtu || o.tunnel_mtu > kMaxTunnelMtu))
    return Error{"tunnel MTU " + std::to_string(o.tunnel_mtu) + " is out of range: use " +
                 std::to_string(kMinTunnelMtu) + " to " + std::to_string(kMaxTunnelMtu) + ", or 0 for no MSS clamping"};
  auto ifindex = bpf::interface_index(o.interface);
  if (!ifindex) return ifindex.error();
  auto prog = bpf::DecapProgram::load(o.pin_dir, o.encap_sources);
  if (!prog) return prog.error();
  uint32_t one = 1;
  for (const auto& vip : o.vips) {
    auto k = vip_addr_key(vip);
    if (auto st = (*prog)->vips().update(&k, &one); !st) return st;
    if (auto st = run_command({"ip", vip.is_v4() ? "-4" : "-6", "addr", "replace", host_route(vip), "dev", "lo"}); !st)
      return st.error().context("put VIP " + vip.str() + " on lo");
  }
  if (auto st = set_dsr_sysctls(o.interface); !st) return st;
  if (auto st = apply_mss_clamp(**prog, *ifindex, o); !st) return st;
  return bpf::xdp_attach(*ifindex, (*prog)->prog_fd(), o.mode, bpf::DecapProgram::kProgramName);
}

Status reset(const std::string& interface, const std::string& pin_dir, bpf::XdpMode mode) {
  auto ifindex = bpf::interface_index(interface);
  if (!ifindex) return ifindex.error();
  if (auto st = bpf::xdp_detach(*ifindex, mode); !st) return st;
  if (auto st = bpf::tc_egress_detach(*ifindex); !st) return st;
  auto prog = bpf::DecapProgram::load(pin_dir);
  if (!prog) return prog.error();
  auto keys = (*prog)->vips().keys(sizeof(xlb_vip_addr_key));
  if (!keys) return keys.error();
  for (const auto& raw : *keys) {
    xlb_vip_addr_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    IpAddr vip = IpAddr::from_abi(k.addr, static_cast<uint8_t>(k.family));
    // Already gone is fine: reset is idempotent.
    (void)run_command({"ip", vip.is_v4() ? "-4" : "-6", "addr", "del", host_route(vip), "dev", "lo"});
  }
  (*prog)->unpin_all();
  return {};
}

}  // namespace xlb::backend
