#include "config/validate.h"

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace xlb::config {

namespace {

std::string at_line(int line) { return "line " + std::to_string(line); }

std::string family_name(const IpAddr& address) { return address.is_v4() ? "IPv4" : "IPv6"; }

// Each VIP owns one ring, plus spare rings to rebuild into; all of them live
// in one BPF array, whose size is a 32-bit count.
void check_rings_fit_one_map(const Dataplane& dataplane, const Origins& origins, Diagnostics& diag) {
  const uint64_t slots = (uint64_t{dataplane.max_vips} + XLB_SPARE_RINGS) * dataplane.ring_size;
  if (slots <= std::numeric_limits<uint32_t>::max()) return;
  diag.error(origins.ring_size_line, "dataplane.ring_size",
             "(max_vips + " + std::to_string(XLB_SPARE_RINGS) + ") x ring_size = " + std::to_string(slots) +
                 " ring slots, more than one BPF map can hold; lower ring_size or max_vips");
}

void check_vip_count(const Dataplane& dataplane, const Origins& origins, Diagnostics& diag) {
  if (origins.vips_listed <= dataplane.max_vips) return;
  diag.error(origins.vips_line, "vips",
             std::to_string(origins.vips_listed) + " VIPs are listed, but dataplane.max_vips is " +
                 std::to_string(dataplane.max_vips));
}

// Backends are shared: one address used by several VIPs takes one backend id.
void check_backend_count(const Config& config, const Origins& origins, Diagnostics& diag) {
  // Each (VIP, backend) pair has its own backend id, and id 0 means "none".
  uint64_t pairs = 0;
  for (const Vip& vip : config.vips) pairs += vip.backends.size();
  const uint32_t room = config.dataplane.max_backends - 1;
  if (pairs > room)
    diag.error(origins.vips_line, "vips",
               std::to_string(pairs) + " (VIP, backend) pairs are listed, but dataplane.max_backends is " +
                   std::to_string(config.dataplane.max_backends) + " (room for " + std::to_string(room) +
                   ": id 0 is reserved): raise max_backends");
}

void check_duplicate_vips(const Config& config, const Origins& origins, Diagnostics& diag) {
  std::map<std::tuple<IpAddr, uint16_t, Protocol>, size_t> first_seen;
  for (size_t i = 0; i < config.vips.size(); ++i) {
    const Vip& vip = config.vips[i];
    if (!origins.vips[i].key_complete) continue;
    auto [it, inserted] = first_seen.emplace(std::tuple(vip.address, vip.port, vip.protocol), i);
    if (inserted) continue;
    const VipOrigin& first = origins.vips[it->second];
    diag.error(origins.vips[i].line, origins.vips[i].path,
               vip_label(vip) + " is defined twice: here and as " + first.path + " at " + at_line(first.line));
  }
}

// Names are how operators and tools refer to a VIP, so one name, one VIP.
void check_duplicate_names(const Config& config, const Origins& origins, Diagnostics& diag) {
  std::map<std::string, size_t> first_seen;
  for (size_t i = 0; i < config.vips.size(); ++i) {
    const std::string& name = config.vips[i].name;
    if (name.empty()) continue;
    auto [it, inserted] = first_seen.emplace(name, i);
    if (inserted) continue;
    const VipOrigin& first = origins.vips[it->second];
    diag.error(origins.vips[i].line, origins.vips[i].path + ".name",
               "'" + name + "' is already the name of " + first.path + " at " + at_line(first.line));
  }
}

// Maglev gives every backend at least one ring slot.
void check_backends_fit_ring(const Vip& vip, const VipOrigin& origin, const Dataplane& dataplane, Diagnostics& diag) {
  if (vip.backends.size() <= dataplane.ring_size) return;
  diag.error(origin.backends_line, origin.path + ".backends",
             std::to_string(vip.backends.size()) + " backends, but dataplane.ring_size is only " +
                 std::to_string(dataplane.ring_size));
}

void check_duplicate_backends(const Vip& vip, const VipOrigin& origin, Diagnostics& diag) {
  std::map<IpAddr, size_t> first_seen;
  for (size_t i = 0; i < vip.backends.size(); ++i) {
    auto [it, inserted] = first_seen.emplace(vip.backends[i].address, i);
    if (inserted) continue;
    const BackendOrigin& here = origin.backends[i];
    diag.error(here.line, here.path + ".address",
               vip.backends[i].address.str() + " is listed twice in this VIP (first as " +
                   origin.backends[it->second].path + " at " + at_line(origin.backends[it->second].line) + ")");
  }
}

// IPv4 packets can travel inside IPv6 (4-in-6), but not the other way round.
bool can_encapsulate(const IpAddr& vip, const IpAddr& backend) { return !(vip.is_v6() && backend.is_v4()); }

void check_backend_families(const Vip& vip, const VipOrigin& origin, Diagnostics& diag) {
  for (size_t i = 0; i < vip.backends.size(); ++i) {
    if (can_encapsulate(vip.address, vip.backends[i].address)) continue;
    diag.error(origin.backends[i].line, origin.backends[i].path + ".address",
               vip.backends[i].address.str() + " is an IPv4 backend of an IPv6 VIP; an IPv6 packet cannot be " +
                   "carried inside IPv4 (IPv4 VIPs may have IPv6 backends, not the reverse)");
  }
}

// The outer header has the backend's family, so each family of backend in use
// needs a source prefix of that family.
void check_encap_source(const Config& config, const Origins& origins, uint8_t family, Diagnostics& diag) {
  const bool v4 = family == XLB_FAMILY_V4;
  const bool configured = v4 ? origins.encap_source_v4_given : origins.encap_source_v6_given;
  if (configured || !origins.node_decoded) return;
  for (size_t i = 0; i < config.vips.size(); ++i) {
    const Vip& vip = config.vips[i];
    for (size_t j = 0; j < vip.backends.size(); ++j) {
      const IpAddr& backend = vip.backends[j].address;
      if (backend.family != family || !can_encapsulate(vip.address, backend)) continue;
      const BackendOrigin& where = origins.vips[i].backends[j];
      diag.error(origins.node_line, v4 ? "node.encap_source_v4" : "node.encap_source_v6",
                 "missing, but needed: " + where.path + " at " + at_line(where.line) + " is an " +
                     family_name(backend) + " backend, and packets to it need an " + family_name(backend) +
                     " outer source address");
      return;  // one example is enough
    }
  }
}

}  // namespace

void validate(const Config& config, const Origins& origins, Diagnostics& diag) {
  // Limits are only compared when they decoded; a default standing in for a
  // malformed value would produce confusing follow-on errors.
  const bool limits_known = origins.dataplane_complete;
  if (limits_known) {
    check_rings_fit_one_map(config.dataplane, origins, diag);
    check_vip_count(config.dataplane, origins, diag);
    check_backend_count(config, origins, diag);
  }
  check_duplicate_vips(config, origins, diag);
  check_duplicate_names(config, origins, diag);
  for (size_t i = 0; i < config.vips.size(); ++i) {
    const Vip& vip = config.vips[i];
    const VipOrigin& origin = origins.vips[i];
    if (limits_known) check_backends_fit_ring(vip, origin, config.dataplane, diag);
    check_duplicate_backends(vip, origin, diag);
    check_backend_families(vip, origin, diag);
  }
  check_encap_source(config, origins, XLB_FAMILY_V4, diag);
  check_encap_source(config, origins, XLB_FAMILY_V6, diag);
}

}  // namespace xlb::config
