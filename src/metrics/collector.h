// What /metrics shows: a node's maps (one l4::NodeSnapshot) as Prometheus
// families. docs/operations.md ("Metrics") lists every family.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "l4/map_set.h"
#include "l4/snapshot.h"
#include "l4/tables.h"
#include "metrics/exposition.h"

namespace xlb::metrics {

// Pure: the families of one snapshot, every one declared even when it has no
// series yet (a node with no VIP still says what it would export).
Exposition families_of(const l4::NodeSnapshot& snapshot);

// Reads the maps and renders them. The agent passes the services it holds;
// without them, the services are recovered from the maps (Tables::recover).
Result<std::string> collect(const l4::MapSet& maps, const std::map<l4::ServiceKey, l4::InstalledService>& services);
Result<std::string> collect(const l4::MapSet& maps);

}  // namespace xlb::metrics
