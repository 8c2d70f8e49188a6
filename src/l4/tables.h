// Keeps the L4 program's maps equal to a desired set of services.
//
// Ids: every VIP service has a vip_id (its counters) and a ring_id (which
// ring slot is live); every (VIP, backend address) pair has its own backend
// id, so a backend's state and counters are per VIP. A ring is never edited
// while a VIP points at it: a
// changed ring is written into a free slot and the VIP flips to it in one map
// update, so no packet ever sees half a table.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "l4/map_set.h"
#include "l4/service.h"

namespace xlb::l4 {

struct ApplySummary {
  int added = 0, removed = 0, updated = 0, unchanged = 0, rings_written = 0;
  std::string str() const;
};

// A service as the maps hold it.
struct InstalledService {
  ServiceSpec spec;
  uint32_t vip_id = 0;
  uint32_t ring_id = 0;
  std::vector<uint32_t> backend_ids;  // parallel to spec.backends
};

class Tables {
 public:
  // Reads what the maps already hold (an agent restarted over pinned maps).
  static Result<Tables> recover(const MapSet& maps);

  // Makes the maps serve exactly `services`. Stops at the first map error;
  // every service is then either old or new (never half a ring), and the
  // next apply rewrites all rings.
  Result<ApplySummary> apply(const std::vector<ServiceSpec>& services);
  Status set_node(const NodeSpec& node);

  const std::map<ServiceKey, InstalledService>& services() const { return installed_; }
  struct BackendSlot {
    ServiceKey service;
    IpAddr address;
  };
  // Backend id -> the pair it stands for.
  const std::map<uint32_t, BackendSlot>& backends() const { return slots_; }

 private:
  explicit Tables(const MapSet& maps) : maps_(maps) {}

  Status check_limits(const std::vector<ServiceSpec>& services) const;
  Result<ApplySummary> apply_checked(const std::vector<ServiceSpec>& services);
  Result<uint32_t> take_free_ring();
  Result<uint32_t> backend_id_for(const ServiceKey& service, const BackendSpec& backend);
  Status sync_backend_states(const InstalledService& svc);
  Status sync_rate_limit(const InstalledService& svc, bool new_vip);
  // The allow-list's entries: those `now` has and `before` had not are added
  // (before the VIP's flags change), or those `before` had and `now` has not
  // are deleted (after), so that no source in both lists is ever refused.
  Status add_acl_entries(uint32_t vip_id, const std::vector<Prefix>& now, const std::vector<Prefix>& before);
  Status delete_acl_entries(uint32_t vip_id, const std::vector<Prefix>& before, const std::vector<Prefix>& now);
  Status purge_orphan_acl_entries();
  // The lists in the trie by VIP id, each sorted (tables_acl.cpp).
  static Result<std::map<uint32_t, std::vector<Prefix>>> read_allow_lists(
      const MapSet& maps, const std::map<uint32_t, uint8_t>& family_of);
  // The VIP's value: its flags with XLB_VIP_ACL when it has an allow-list.
  static xlb_vip vip_value(const InstalledService& svc);
  Status write_ring(uint32_t ring_id, const ServiceSpec& spec, std::vector<uint32_t>& ids_out);
  Status install(const ServiceSpec& spec, ApplySummary& summary);
  Status remove(const ServiceKey& key);
  Status sync_vip_addresses(const std::vector<ServiceSpec>& services, bool adding);
  Status sync_vip_filter(const std::set<IpAddr>& wanted, bool adding);
  Status sync_weights(const InstalledService& svc, const InstalledService* previous);
  Status release_unused_backends();
  // The lowest id in [first, limit) not in `used`, now marked used.
  Result<uint32_t> take_free(std::set<uint32_t>& used, uint32_t first, uint32_t limit, const char* what) const;

  MapSet maps_;
  std::map<ServiceKey, InstalledService> installed_;
  std::map<uint32_t, BackendSlot> slots_;
  std::map<std::pair<ServiceKey, IpAddr>, uint32_t> slot_ids_;
  std::set<uint32_t> used_vip_ids_, used_ring_ids_, used_backend_ids_;
  std::set<uint32_t> recently_freed_rings_;  // left by a VIP during the current apply
  bool rings_verified_ = true;  // false after recover(): rewrite every ring once
  std::vector<uint64_t> filter_;  // xlb_vipfilter_v2 as written; empty until first read
  bool acl_purged_ = true;      // false after recover(): purge_orphan_acl_entries() once
};

xlb_vip_key vip_key_of(const ServiceKey& key);
ServiceKey service_key_of(const xlb_vip_key& key);

}  // namespace xlb::l4
