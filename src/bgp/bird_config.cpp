#include "bgp/bird_config.h"

#include <filesystem>
#include <sstream>

namespace xlb::bgp {

std::string routes_path(const config::Bgp& bgp) {
  return (std::filesystem::path(bgp.bird_config).parent_path() / "xlb-routes.conf").string();
}

std::string render_bird_config(const config::Bgp& bgp) {
  std::ostringstream out;
  out << "# Written by xlb-agent from its config file (section bgp:). Edit that file, not this one.\n"
      << "router id " << bgp.router_id.str() << ";\n\n"
      << "protocol device {\n}\n\n";
  if (bgp.bfd) {
    out << "protocol bfd xlb_bfd {\n"
        << "  interface \"*\" {\n"
        << "    min rx interval " << bgp.bfd_interval_ms << " ms;\n"
        << "    min tx interval " << bgp.bfd_interval_ms << " ms;\n"
        << "    multiplier " << bgp.bfd_multiplier << ";\n"
        << "  };\n}\n\n";
  }
  out << "include \"" << routes_path(bgp) << "\";\n";
  int n = 0;
  for (const auto& peer : bgp.peers) {
    const bool v4 = peer.address.is_v4();
    out << "\nprotocol bgp xlb_peer" << ++n << " {\n"
        << "  local as " << bgp.local_as << ";\n"
        << "  neighbor " << peer.address.str() << " as " << peer.as << ";\n"
        << "  hold time " << bgp.hold_time << ";\n";
    if (bgp.hold_time > 0) out << "  keepalive time " << bgp.keepalive_time << ";\n";
    out << "  connect retry time 5;\n"
        << "  bfd " << (bgp.bfd ? "on" : "off") << ";\n"
        << "  " << (v4 ? "ipv4" : "ipv6") << " {\n"
        << "    import none;\n"
        << "    export where proto = \"" << (v4 ? kStaticProtocol4 : kStaticProtocol6) << "\";\n"
        << "  };\n}\n";
  }
  return out.str();
}

std::string render_routes(const std::set<IpAddr>& vips) {
  std::ostringstream v4, v6;
  for (const auto& vip : vips) {
    // blackhole: the route exists only to be exported; BGP sends it with the
    // node's own address as next hop, and BIRD never installs it here.
    (vip.is_v4() ? v4 : v6) << "  route " << vip.str() << (vip.is_v4() ? "/32" : "/128") << " blackhole;\n";
  }
  std::ostringstream out;
  out << "# Written by xlb-agent: the VIPs this node announces now.\n"
      << "protocol static " << kStaticProtocol4 << " {\n  ipv4;\n" << v4.str() << "}\n"
      << "protocol static " << kStaticProtocol6 << " {\n  ipv6;\n" << v6.str() << "}\n";
  return out.str();
}

}  // namespace xlb::bgp
