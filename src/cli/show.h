// `xlb l4 show`: what a running L4 node serves, read from its pinned maps.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace xlb::cli {

// VIPs with their backends, weights, ring fill and counters; node counters.
Result<nlohmann::json> l4_state(const std::string& pin_dir);
std::string render_l4_state(const nlohmann::json& state);

}  // namespace xlb::cli
