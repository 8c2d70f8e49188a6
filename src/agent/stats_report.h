// The counters an agent reports to the controller for its /stats: one entry
// per VIP the controller gave it (named after the listener), from a read of
// the data plane's per-VIP statistics. Cumulative since the VIP was
// installed on this node; the controller turns resets into running totals.
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.h"
#include <map>

#include "l4/service.h"
#include "xlb/abi.h"

namespace xlb::agent {

// [{"listener_id", "bytes_in", "packets_in", "total_connections", "request_errors"}]
// for every service in `stats` that one of `running`'s VIPs names.
// total_connections counts new flows (TCP SYNs, UDP datagrams of no known
// flow); request_errors the packets refused: over the VIP's rate limit, from
// a source outside its allowed_cidrs, or with no backend to go to.
nlohmann::json stats_report(const config::Config& running, const std::map<l4::ServiceKey, xlb_vip_stats>& stats);

}  // namespace xlb::agent
