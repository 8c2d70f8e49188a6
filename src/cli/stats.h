// `xlb l4 stats`: what the node is doing right now, as rates between two
// reads of its maps: packets, bits and new flows per second per VIP and per
// backend, and the node's verdicts and drops per second by reason.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "l4/snapshot.h"

namespace xlb::cli {

// Rates from `before` to `after`, `seconds` apart. Services or backends that
// appeared in between are measured from zero; counters that went backwards
// (a VIP id reused) count as zero rather than as huge numbers.
nlohmann::json stats_rates(const l4::NodeSnapshot& before, const l4::NodeSnapshot& after, double seconds);

// The rates as a terminal table.
std::string render_stats(const nlohmann::json& rates);

}  // namespace xlb::cli
