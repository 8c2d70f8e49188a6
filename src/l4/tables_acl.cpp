// The Tables' half that keeps the VIPs' source allow-lists (allowed_cidrs)
// in the xlb_vipacl_v2 trie: one key per (VIP id, prefix), written so that a
// prefix in both the old and the new list never refuses a packet (added
// before the VIP's flags change, deleted after), read back by recover().
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "l4/tables.h"

namespace xlb::l4 {

namespace {

xlb_acl_key acl_key_of(uint32_t vip_id, const Prefix& p) {
  xlb_acl_key k{};
  k.prefixlen = 32 + p.length;
  k.vip_id = htonl(vip_id);
  const xlb_addr a = p.addr.to_abi();
  std::memcpy(k.addr, a.addr, sizeof(k.addr));
  return k;
}

}  // namespace

Result<std::map<uint32_t, std::vector<Prefix>>> Tables::read_allow_lists(const MapSet& maps,
                                                                         const std::map<uint32_t, uint8_t>& family_of) {
  std::map<uint32_t, std::vector<Prefix>> out;
  auto keys = maps.vip_acl.keys(sizeof(xlb_acl_key));
  if (!keys) return keys.error();
  for (const auto& raw : *keys) {
    xlb_acl_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    auto family = family_of.find(ntohl(k.vip_id));
    if (family == family_of.end() || k.prefixlen < 32) continue;  // no VIP: cleared by the next apply
    xlb_addr a{};
    std::memcpy(a.addr, k.addr, sizeof(a.addr));
    out[family->first].push_back(Prefix{IpAddr::from_abi(a, family->second), k.prefixlen - 32});
  }
  for (auto& [id, list] : out) std::sort(list.begin(), list.end());
  return out;
}

xlb_vip Tables::vip_value(const InstalledService& svc) {
  const uint32_t flags = svc.spec.flags | (svc.spec.allowed_sources.empty() ? 0 : XLB_VIP_ACL);
  return xlb_vip{svc.vip_id, flags, svc.ring_id, 0};
}

Status Tables::add_acl_entries(uint32_t vip_id, const std::vector<Prefix>& now, const std::vector<Prefix>& before) {
  const uint32_t one = 1;
  for (const auto& p : now) {
    if (std::binary_search(before.begin(), before.end(), p)) continue;
    auto k = acl_key_of(vip_id, p);
    if (auto st = maps_.vip_acl.update(&k, &one); !st) return st.error().context("allow-list entry " + p.str());
  }
  return {};
}

// Entries the installed services do not list: those of VIP ids no service
// holds (an agent stopped part-way through a removal; a VIP that takes the
// id must not inherit them) and those an apply that failed part-way left.
// Run after recover() and after a failed apply, before anything is added.
Status Tables::purge_orphan_acl_entries() {
  std::map<uint32_t, const std::vector<Prefix>*> lists;
  for (const auto& [key, svc] : installed_) lists[svc.vip_id] = &svc.spec.allowed_sources;
  auto keys = maps_.vip_acl.keys(sizeof(xlb_acl_key));
  if (!keys) return keys.error();
  for (const auto& raw : *keys) {
    xlb_acl_key k;
    std::memcpy(&k, raw.data(), sizeof(k));
    const uint32_t vip_id = ntohl(k.vip_id);
    if (auto it = lists.find(vip_id); it != lists.end() && used_vip_ids_.count(vip_id)) {
      const auto& list = *it->second;
      const bool listed = std::any_of(list.begin(), list.end(), [&](const Prefix& p) {
        const xlb_acl_key want = acl_key_of(vip_id, p);
        return std::memcmp(&k, &want, sizeof(k)) == 0;
      });
      if (listed) continue;
    }
    if (auto st = maps_.vip_acl.erase(&k); !st) return st;
  }
  return {};
}

Status Tables::delete_acl_entries(uint32_t vip_id, const std::vector<Prefix>& before, const std::vector<Prefix>& now) {
  for (const auto& p : before) {
    if (std::binary_search(now.begin(), now.end(), p)) continue;
    auto k = acl_key_of(vip_id, p);
    if (auto st = maps_.vip_acl.erase(&k); !st) return st;
  }
  return {};
}

}  // namespace xlb::l4
