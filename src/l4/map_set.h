// The L4 program's maps as one value, whether they come from a loaded
// program (the agent) or from their pins (the CLI reading a running node).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bpf/l4_program.h"
#include "bpf/map.h"

namespace xlb::l4 {

struct MapSet {
  xlb_params params{};
  bpf::Map vips, vip_addrs, rings, backends, vip_backends, node_cfg, counters, vip_stats, backend_stats,
      sessions, flood, vip_limits, vip_buckets, vip_acl, vip_filter;
};

MapSet maps_of(const bpf::L4Program& prog);

// Opens the pins an agent left in pin_dir; keeps the fds open while alive.
class PinnedMapSet {
 public:
  static Result<std::unique_ptr<PinnedMapSet>> open(const std::string& pin_dir);
  const MapSet& maps() const { return set_; }

 private:
  std::vector<bpf::PinnedMap> owned_;
  MapSet set_;
};

}  // namespace xlb::l4
