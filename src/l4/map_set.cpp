#include "l4/map_set.h"

namespace xlb::l4 {

MapSet maps_of(const bpf::L4Program& prog) {
  MapSet s;
  s.params = prog.params();
  s.vips = prog.vips();
  s.vip_addrs = prog.vip_addrs();
  s.rings = prog.rings();
  s.backends = prog.backends();
  s.vip_backends = prog.vip_backends();
  s.node_cfg = prog.node_cfg();
  s.counters = prog.counters();
  s.vip_stats = prog.vip_stats();
  s.backend_stats = prog.backend_stats();
  s.sessions = prog.sessions();
  s.flood = prog.flood();
  s.vip_limits = prog.vip_limits();
  s.vip_buckets = prog.vip_buckets();
  s.vip_acl = prog.vip_acl();
  s.vip_filter = prog.vip_filter();
  return s;
}

Result<std::unique_ptr<PinnedMapSet>> PinnedMapSet::open(const std::string& pin_dir) {
  auto params = bpf::read_pinned_params(pin_dir);
  if (!params) return params.error();
  auto out = std::make_unique<PinnedMapSet>();
  out->set_.params = *params;
  struct Slot {
    const char* name;
    bpf::Map* map;
  };
  MapSet& s = out->set_;
  const Slot slots[] = {{"xlb_vips_v2", &s.vips},         {"xlb_vip_addrs_v2", &s.vip_addrs},
                        {"xlb_rings_v2", &s.rings},       {"xlb_backends_v2", &s.backends},
                        {"xlb_vipbe_v2", &s.vip_backends}, {"xlb_node_cfg_v2", &s.node_cfg},
                        {"xlb_counters_v2", &s.counters}, {"xlb_vipstat_v2", &s.vip_stats},
                        {"xlb_bestat_v2", &s.backend_stats}, {"xlb_sessions_v2", &s.sessions},
                        {"xlb_flood_v2", &s.flood},       {"xlb_viplimit_v2", &s.vip_limits},
                        {"xlb_vipbucket_v2", &s.vip_buckets}, {"xlb_vipacl_v2", &s.vip_acl},
                        {"xlb_vipfilter_v2", &s.vip_filter}};
  out->owned_.reserve(std::size(slots));
  for (const auto& slot : slots) {
    auto pinned = bpf::PinnedMap::open(pin_dir + "/" + slot.name);
    if (!pinned) return pinned.error();
    *slot.map = pinned->map();
    out->owned_.push_back(std::move(*pinned));
  }
  return out;
}

}  // namespace xlb::l4
