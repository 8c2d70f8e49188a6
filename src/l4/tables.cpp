#include "l4/tables.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "maglev/maglev.h"

namespace xlb::l4 {

std::string ServiceKey::str() const {
  std::string addr = address.is_v6() ? "[" + address.str() + "]" : address.str();
  std::string port_text = port == 0 ? "*" : std::to_string(port);
  std::string proto_text = proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : std::to_string(proto);
  return addr + ":" + port_text + "/" + proto_text;
}

const char* backend_state_name(BackendState state) {
  switch (state) {
    case BackendState::Active: return "active";
    case BackendState::Draining: return "draining";
    case BackendState::Down: return "down";
  }
  return "unknown";
}

std::string ApplySummary::str() const {
  return std::to_string(added) + " added, " + std::to_string(updated) + " updated, " + std::to_string(removed) +
         " removed, " + std::to_string(unchanged) + " unchanged, " + std::to_string(rings_written) + " rings written";
}

xlb_vip_key vip_key_of(const ServiceKey& key) {
  xlb_vip_key k{};
  k.addr = key.address.to_abi();
  k.port = htons(key.port);
  k.proto = key.proto;
  k.family = key.address.family;
  return k;
}

ServiceKey service_key_of(const xlb_vip_key& k) {
  return ServiceKey{IpAddr::from_abi(k.addr, k.family), ntohs(k.port), k.proto};
}

Result<Tables> Tables::recover(const MapSet& maps) {
  Tables t(maps);
  auto keys = maps.vips.keys(sizeof(xlb_vip_key));
  if (!keys) return keys.error();
  std::map<uint32_t, ServiceKey> by_vip_id;
  for (const auto& raw : *keys) {
    xlb_vip_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    xlb_vip v{};
    auto found = maps.vips.lookup(&k, &v);
    if (!found) return found.error();
    if (!*found) continue;  // removed while we iterated
    InstalledService svc;
    svc.spec.key = service_key_of(k);
    svc.spec.flags = v.flags & ~uint32_t(XLB_VIP_ACL);  // follows allowed_sources
    xlb_vip_limit limit{};
    if (auto found = maps.vip_limits.lookup(&v.vip_id, &limit); !found) return found.error();
    svc.spec.rate_limit = RateLimit{limit.rate, limit.burst};
    svc.vip_id = v.vip_id;
    svc.ring_id = v.ring_id;
    t.used_vip_ids_.insert(v.vip_id);
    t.used_ring_ids_.insert(v.ring_id);
    by_vip_id[v.vip_id] = svc.spec.key;
    t.installed_[svc.spec.key] = svc;
  }
  std::map<uint32_t, uint8_t> family_of;
  for (const auto& [id, key] : by_vip_id) family_of[id] = key.address.family;
  auto acl = read_allow_lists(maps, family_of);
  if (!acl) return acl.error();
  for (auto& [id, list] : *acl) t.installed_[by_vip_id[id]].spec.allowed_sources = std::move(list);
  std::map<uint32_t, IpAddr> addresses;
  for (uint32_t id = 1; id < bpf::backend_id_limit(maps.params); ++id) {
    xlb_backend be{};
    auto found = maps.backends.lookup(&id, &be);
    if (!found) return found.error();
    if (!(be.flags & XLB_BACKEND_VALID)) continue;
    addresses[id] = IpAddr::from_abi(be.addr, be.family);
    // Ids no pair claims below are released by the next apply.
    t.used_backend_ids_.insert(id);
  }
  auto pairs = maps.vip_backends.keys(sizeof(xlb_vip_backend_key));
  if (!pairs) return pairs.error();
  for (const auto& raw : *pairs) {
    xlb_vip_backend_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    xlb_vip_backend w{};
    auto found = maps.vip_backends.lookup(&k, &w);
    if (!found) return found.error();
    auto svc = by_vip_id.find(k.vip_id);
    auto addr = addresses.find(k.backend_id);
    if (!*found || svc == by_vip_id.end() || addr == addresses.end()) continue;
    auto& installed = t.installed_[svc->second];
    installed.spec.backends.push_back(BackendSpec{addr->second, w.weight, static_cast<BackendState>(w.state)});
    installed.backend_ids.push_back(k.backend_id);
    t.slots_[k.backend_id] = BackendSlot{svc->second, addr->second};
    t.slot_ids_[{svc->second, addr->second}] = k.backend_id;
  }
  // We cannot tell whether a previous agent finished writing every ring, so
  // the first apply rewrites them all (through spare slots: harmless to traffic).
  t.rings_verified_ = t.installed_.empty();
  t.acl_purged_ = false;
  return t;
}

Result<uint32_t> Tables::take_free(std::set<uint32_t>& used, uint32_t first, uint32_t limit, const char* what) const {
  for (uint32_t id = first; id < limit; ++id) {
    if (used.insert(id).second) return id;
  }
  return Error{std::string("no free ") + what + " slot (limit " + std::to_string(limit) + ")"};
}

Status Tables::check_limits(const std::vector<ServiceSpec>& services) const {
  std::set<ServiceKey> keys;
  size_t pairs = 0, acl_entries = 0;
  for (const auto& s : services) {
    if (!keys.insert(s.key).second) return Error{"service " + s.key.str() + " is listed twice"};
    std::set<IpAddr> addresses;
    for (const auto& b : s.backends) {
      if (s.key.address.is_v6() && b.address.is_v4())
        return Error{"service " + s.key.str() + ": an IPv6 VIP cannot use IPv4 backend " + b.address.str()};
      if (!addresses.insert(b.address).second)
        return Error{"service " + s.key.str() + ": backend " + b.address.str() + " is listed twice"};
    }
    for (const auto& p : s.allowed_sources)
      if (p.addr.family != s.key.address.family)
        return Error{"service " + s.key.str() + ": allowed source " + p.str() + " is not of the VIP's family"};
    // The diffs of the lists (add_acl_entries, delete_acl_entries) need sets.
    if (std::adjacent_find(s.allowed_sources.begin(), s.allowed_sources.end(),
                           [](const Prefix& a, const Prefix& b) { return !(a < b); }) != s.allowed_sources.end())
      return Error{"service " + s.key.str() + ": allowed sources must be sorted and listed once"};
    acl_entries += s.allowed_sources.size();
    if (s.rate_limit.rate > XLB_RATE_LIMIT_MAX || s.rate_limit.burst > XLB_RATE_LIMIT_MAX ||
        (s.rate_limit.rate && !s.rate_limit.burst))
      return Error{"service " + s.key.str() + ": rate limit needs rate and burst in 1.." +
                   std::to_string(XLB_RATE_LIMIT_MAX)};
    pairs += s.backends.size();
  }
  if (services.size() > maps_.params.max_vips)
    return Error{std::to_string(services.size()) + " services exceed max_vips " + std::to_string(maps_.params.max_vips)};
  if (acl_entries > XLB_ACL_MAX_PREFIXES)
    return Error{std::to_string(acl_entries) + " allowed source prefixes exceed the node's " +
                 std::to_string(XLB_ACL_MAX_PREFIXES)};
  if (pairs > maps_.params.max_backends - 1)
    return Error{std::to_string(pairs) + " (VIP, backend) pairs exceed max_backends " +
                 std::to_string(maps_.params.max_backends) + " (id 0 is reserved)"};
  return {};
}

Result<uint32_t> Tables::backend_id_for(const ServiceKey& service, const BackendSpec& backend) {
  const IpAddr& addr = backend.address;
  if (auto it = slot_ids_.find({service, addr}); it != slot_ids_.end()) return it->second;
  auto id = take_free(used_backend_ids_, 1, bpf::backend_id_limit(maps_.params), "backend");  // id 0 means "none"
  if (!id) return id.error();
  // Keep the id's generation: it was bumped when the id was released, so
  // sessions cached for its last holder miss.
  xlb_backend previous{};
  if (auto found = maps_.backends.lookup(&*id, &previous); !found) return found.error();
  xlb_backend be{};
  be.addr = addr.to_abi();
  be.family = addr.family;
  be.flags = XLB_BACKEND_VALID | (backend.state == BackendState::Down ? XLB_BACKEND_DOWN : 0);
  be.generation = previous.generation;  // moved on when the id was released
  if (auto st = bpf::zero_percpu<xlb_backend_stats>(maps_.backend_stats, *id); !st) return st.error();
  if (auto st = maps_.backends.update(&*id, &be); !st) return st.error();
  slot_ids_[{service, addr}] = *id;
  slots_[*id] = BackendSlot{service, addr};
  return *id;
}

Status Tables::write_ring(uint32_t ring_id, const ServiceSpec& spec, std::vector<uint32_t>& ids_out) {
  std::vector<maglev::Backend> members;
  ids_out.clear();
  for (const auto& b : spec.backends) {
    auto id = backend_id_for(spec.key, b);
    if (!id) return id.error();
    ids_out.push_back(*id);
    // Draining and DOWN backends keep their id (and cached flows) but get no slots.
    const uint32_t weight = b.state == BackendState::Active ? b.weight : 0;
    members.push_back(maglev::Backend{*id, b.address.str(), weight});
  }
  auto ring = maglev::build(std::move(members), maps_.params.ring_size);
  if (!ring) return ring.error().context("service " + spec.key.str());
  return maps_.rings.update_u32_range(ring_id * maps_.params.ring_size, *ring);
}

// Pairs that went away are deleted first, so that a full map can still take
// a changed backend set.
Status Tables::sync_weights(const InstalledService& svc, const InstalledService* previous) {
  std::set<uint32_t> current(svc.backend_ids.begin(), svc.backend_ids.end());
  if (previous) {
    for (uint32_t old_id : previous->backend_ids) {
      if (current.count(old_id)) continue;
      xlb_vip_backend_key k{previous->vip_id, old_id};
      if (auto st = maps_.vip_backends.erase(&k); !st) return st;
    }
  }
  for (size_t i = 0; i < svc.backend_ids.size(); ++i) {
    xlb_vip_backend_key k{svc.vip_id, svc.backend_ids[i]};
    xlb_vip_backend w{svc.spec.backends[i].weight, static_cast<uint32_t>(svc.spec.backends[i].state)};
    if (auto st = maps_.vip_backends.update(&k, &w); !st) return st;
  }
  return {};
}

// DOWN is written after the ring that leaves the backend out is live, and
// moves the generation on: whatever the cache still holds for it is stale,
// even once it comes back. Coming back only clears the flag.
Status Tables::sync_backend_states(const InstalledService& svc) {
  for (size_t i = 0; i < svc.backend_ids.size(); ++i) {
    uint32_t id = svc.backend_ids[i];
    const bool down = svc.spec.backends[i].state == BackendState::Down;
    xlb_backend be{};
    if (auto found = maps_.backends.lookup(&id, &be); !found) return found.error();
    const bool was_down = be.flags & XLB_BACKEND_DOWN;
    if (down == was_down) continue;
    be.flags = XLB_BACKEND_VALID | (down ? XLB_BACKEND_DOWN : 0);
    if (down) be.generation++;
    if (auto st = maps_.backends.update(&id, &be); !st) return st;
  }
  return {};
}

// A new VIP id starts with a full bucket (the program fills an all-zero one
// up to `burst`); a changed limit keeps the bucket and applies from the next
// new flow.
Status Tables::sync_rate_limit(const InstalledService& svc, bool new_vip) {
  if (new_vip) {
    xlb_vip_bucket empty{};
    if (auto st = maps_.vip_buckets.update(&svc.vip_id, &empty); !st) return st;
  }
  xlb_vip_limit limit{svc.spec.rate_limit.rate, svc.spec.rate_limit.burst};
  return maps_.vip_limits.update(&svc.vip_id, &limit);
}

Result<uint32_t> Tables::take_free_ring() {
  const uint32_t limit = maps_.params.max_vips + XLB_SPARE_RINGS;
  // A ring a VIP left during this apply may still be read by a packet that
  // looked the VIP up just before the flip: prefer any other free slot.
  for (uint32_t id = 0; id < limit; ++id) {
    if (!used_ring_ids_.count(id) && !recently_freed_rings_.count(id)) {
      used_ring_ids_.insert(id);
      return id;
    }
  }
  return take_free(used_ring_ids_, 0, limit, "ring");
}

Status Tables::install(const ServiceSpec& spec, ApplySummary& summary) {
  auto existing = installed_.find(spec.key);
  const bool known = existing != installed_.end();
  if (known && rings_verified_ && existing->second.spec == spec) {
    summary.unchanged++;
    return {};
  }
  xlb_vip_key key = vip_key_of(spec.key);
  if (known && rings_verified_ && existing->second.spec.backends == spec.backends) {
    // Only flags, the rate limit or the allow-list changed: the ring stays.
    // Recorded as installed only once the VIP's value is written; a failure
    // before leaves entries that apply() has purge_orphan_acl_entries() clear.
    InstalledService svc = existing->second;
    const std::vector<Prefix> before = svc.spec.allowed_sources;
    svc.spec.flags = spec.flags;
    svc.spec.rate_limit = spec.rate_limit;
    svc.spec.allowed_sources = spec.allowed_sources;
    if (auto st = add_acl_entries(svc.vip_id, spec.allowed_sources, before); !st) return st;
    if (auto st = sync_rate_limit(svc, false); !st) return st;
    xlb_vip v = vip_value(svc);
    if (auto st = maps_.vips.update(&key, &v); !st) return st;
    existing->second = svc;
    if (auto st = delete_acl_entries(svc.vip_id, before, spec.allowed_sources); !st) return st;
    summary.updated++;
    return {};
  }

  InstalledService svc;
  svc.spec = spec;
  if (known) {
    svc.vip_id = existing->second.vip_id;
  } else {
    auto vip_id = take_free(used_vip_ids_, 0, maps_.params.max_vips, "VIP");
    if (!vip_id) return vip_id.error();
    svc.vip_id = *vip_id;
  }
  auto ring_id = take_free_ring();
  if (!ring_id) {
    if (!known) used_vip_ids_.erase(svc.vip_id);
    return ring_id.error();
  }
  svc.ring_id = *ring_id;
  const std::vector<Prefix> acl_before = known ? existing->second.spec.allowed_sources : std::vector<Prefix>{};
  // Until the flip nothing points at the new ids: give them back on failure,
  // with the allow-list entries added for them.
  auto undo = [&](Status st) {
    (void)delete_acl_entries(svc.vip_id, spec.allowed_sources, acl_before);
    used_ring_ids_.erase(svc.ring_id);
    if (!known) used_vip_ids_.erase(svc.vip_id);
    return st;
  };
  if (!known) {
    if (auto st = bpf::zero_percpu<xlb_vip_stats>(maps_.vip_stats, svc.vip_id); !st) return undo(st);
  }
  if (auto st = sync_rate_limit(svc, !known); !st) return undo(st);
  if (auto st = write_ring(svc.ring_id, spec, svc.backend_ids); !st) return undo(st);
  summary.rings_written++;
  // A VIP id is only reused after remove() cleared its entries.
  if (auto st = add_acl_entries(svc.vip_id, spec.allowed_sources, acl_before); !st) return undo(st);

  // The flip: one update makes the new ring live.
  xlb_vip v = vip_value(svc);
  if (auto st = maps_.vips.update(&key, &v); !st) return undo(st);

  // From here the maps serve `svc`: record it before anything else can fail.
  std::optional<InstalledService> previous;
  if (known) {
    previous = existing->second;
    used_ring_ids_.erase(previous->ring_id);
    recently_freed_rings_.insert(previous->ring_id);
    summary.updated++;
  } else {
    summary.added++;
  }
  installed_[spec.key] = svc;
  if (auto st = delete_acl_entries(svc.vip_id, acl_before, spec.allowed_sources); !st) return st;
  if (auto st = sync_backend_states(svc); !st) return st;
  return sync_weights(svc, previous ? &*previous : nullptr);
}

Status Tables::remove(const ServiceKey& key) {
  auto it = installed_.find(key);
  if (it == installed_.end()) return {};
  xlb_vip_key k = vip_key_of(key);
  if (auto st = maps_.vips.erase(&k); !st) return st;
  for (uint32_t id : it->second.backend_ids) {
    xlb_vip_backend_key pair{it->second.vip_id, id};
    if (auto st = maps_.vip_backends.erase(&pair); !st) return st;
  }
  if (auto st = delete_acl_entries(it->second.vip_id, it->second.spec.allowed_sources, {}); !st) return st;
  used_vip_ids_.erase(it->second.vip_id);
  used_ring_ids_.erase(it->second.ring_id);
  recently_freed_rings_.insert(it->second.ring_id);
  installed_.erase(it);
  return {};
}

// The prefilter's bits: `adding` sets those of `wanted` (keeping the rest),
// otherwise the bitmap becomes exactly that of `wanted`. Words are written
// only when they change, each in one update.
Status Tables::sync_vip_filter(const std::set<IpAddr>& wanted, bool adding) {
  if (filter_.empty()) {  // first use: what the maps hold (a restarted agent, pinned maps)
    filter_.assign(XLB_VIP_FILTER_WORDS, 0);
    for (uint32_t i = 0; i < XLB_VIP_FILTER_WORDS; ++i)
      if (auto found = maps_.vip_filter.lookup(&i, &filter_[i]); !found) {
        filter_.clear();
        return found.error();
      }
  }
  std::vector<uint64_t> next(XLB_VIP_FILTER_WORDS, 0);
  if (adding) next = filter_;
  for (const auto& a : wanted) {
    const xlb_addr abi = a.to_abi();
    const uint32_t bit = xlb_vip_filter_bit(abi.addr);
    next[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  for (uint32_t i = 0; i < XLB_VIP_FILTER_WORDS; ++i) {
    if (next[i] == filter_[i]) continue;
    if (auto st = maps_.vip_filter.update(&i, &next[i]); !st) return st;
    filter_[i] = next[i];
  }
  return {};
}

// Addresses are added before their services and removed after them, so that
// a packet never finds a service whose address the program does not know.
// The prefilter's bit is set before the address goes in, cleared after it left.
Status Tables::sync_vip_addresses(const std::vector<ServiceSpec>& services, bool adding) {
  std::set<IpAddr> wanted;
  for (const auto& s : services) wanted.insert(s.key.address);
  uint32_t one = 1;
  if (adding) {
    if (auto st = sync_vip_filter(wanted, true); !st) return st;
    for (const auto& a : wanted) {
      auto k = vip_addr_key(a);
      if (auto st = maps_.vip_addrs.update(&k, &one); !st) return st;
    }
    return {};
  }
  auto keys = maps_.vip_addrs.keys(sizeof(xlb_vip_addr_key));
  if (!keys) return keys.error();
  for (const auto& raw : *keys) {
    xlb_vip_addr_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    if (wanted.count(IpAddr::from_abi(k.addr, static_cast<uint8_t>(k.family)))) continue;
    if (auto st = maps_.vip_addrs.erase(&k); !st) return st;
  }
  return sync_vip_filter(wanted, false);
}

Status Tables::release_unused_backends() {
  std::set<uint32_t> referenced;
  for (const auto& [key, svc] : installed_) referenced.insert(svc.backend_ids.begin(), svc.backend_ids.end());
  for (auto it = used_backend_ids_.begin(); it != used_backend_ids_.end();) {
    uint32_t id = *it;
    if (referenced.count(id)) {
      ++it;
      continue;
    }
    xlb_backend empty{};
    if (auto found = maps_.backends.lookup(&id, &empty); !found) return found.error();
    // Invalid now, and its sessions with it. The generation moves on here
    // too, so that a later reuse of the id rewrites it with the same value
    // and XDP can never pair the new address with the old generation.
    empty.flags = 0;
    empty.generation++;
    if (auto st = maps_.backends.update(&id, &empty); !st) return st;
    if (auto slot = slots_.find(id); slot != slots_.end()) {
      slot_ids_.erase({slot->second.service, slot->second.address});
      slots_.erase(slot);
    }
    it = used_backend_ids_.erase(it);
  }
  return {};
}

Result<ApplySummary> Tables::apply(const std::vector<ServiceSpec>& services) {
  if (auto st = check_limits(services); !st) return st.error();
  auto summary = apply_checked(services);
  // After a failure part-way, what the maps hold is known only per map
  // write: the next apply rewrites every ring rather than trust a diff, and
  // clears allow-list entries no installed service lists.
  rings_verified_ = summary.ok();
  if (!summary.ok()) acl_purged_ = false;
  return summary;
}

// Two phases, so that a full table can still be changed: first everything
// that goes away (services, addresses, backend ids nobody uses), then
// everything that comes or changes.
Result<ApplySummary> Tables::apply_checked(const std::vector<ServiceSpec>& services) {
  ApplySummary summary;
  recently_freed_rings_.clear();
  std::set<ServiceKey> wanted;
  for (const auto& s : services) wanted.insert(s.key);
  std::vector<ServiceKey> stale;
  for (const auto& [key, svc] : installed_) {
    if (!wanted.count(key)) stale.push_back(key);
  }
  for (const auto& key : stale) {
    if (auto st = remove(key); !st) return st.error();
    summary.removed++;
  }
  if (auto st = sync_vip_addresses(services, false); !st) return st.error();
  if (auto st = release_unused_backends(); !st) return st.error();
  if (!acl_purged_) {
    if (auto st = purge_orphan_acl_entries(); !st) return st.error();
    acl_purged_ = true;
  }

  if (auto st = sync_vip_addresses(services, true); !st) return st.error();
  for (const auto& spec : services) {
    if (auto st = install(spec, summary); !st) return st.error();
    // Backends an update just dropped free their ids for the next service.
    if (auto st = release_unused_backends(); !st) return st.error();
  }
  return summary;
}

namespace {
uint32_t host_mask_v4(unsigned prefix_len) {
  return prefix_len >= 32 ? 0 : htonl(0xffffffffu >> prefix_len);
}
uint32_t host_mask_last_word(unsigned prefix_len) {
  if (prefix_len >= 128) return 0;
  if (prefix_len <= 96) return 0xffffffffu;
  return htonl(0xffffffffu >> (prefix_len - 96));
}
}  // namespace

Status Tables::set_node(const NodeSpec& node) {
  xlb_node_cfg cfg{};
  if (node.encap_source_v4) {
    cfg.encap_src4 = node.encap_source_v4->addr.to_abi().addr[0];
    cfg.encap_src4_hostmask = host_mask_v4(node.encap_source_v4->length);
    cfg.flags |= XLB_NODE_HAS_SRC4;
  }
  if (node.encap_source_v6) {
    auto a = node.encap_source_v6->addr.to_abi();
    std::memcpy(cfg.encap_src6, a.addr, sizeof(cfg.encap_src6));
    cfg.encap_src6_hostmask = host_mask_last_word(node.encap_source_v6->length);
    cfg.flags |= XLB_NODE_HAS_SRC6;
  }
  if (node.gateway_mac) {
    std::memcpy(cfg.gateway_mac, node.gateway_mac->data(), 6);
    cfg.flags |= XLB_NODE_HAS_GATEWAY;
  }
  if (node.node_mac) {
    std::memcpy(cfg.node_mac, node.node_mac->data(), 6);
    cfg.flags |= XLB_NODE_HAS_MAC;
  }
  cfg.stateless_above = node.stateless_above;
  cfg.stateless_below = node.stateless_below;
  cfg.backend_mtu = node.backend_mtu;
  cfg.icmp_rate = node.icmp_rate;
  cfg.icmp_burst = node.icmp_burst;
  if (node.answer_echo) cfg.flags |= XLB_NODE_ANSWER_ECHO;
  uint32_t zero = 0;
  return maps_.node_cfg.update(&zero, &cfg);
}

}  // namespace xlb::l4
