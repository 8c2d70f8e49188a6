// `xlb backend show`: what a backend's decap and MSS clamp programs did, read
// from their pinned maps.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace xlb::cli {

// {"vips": [...], "mss_clamp": {"mss4", "mss6"}, "decap": {name: {packets, bytes}},
//  "mss": {name: {packets, bytes}}}
Result<nlohmann::json> backend_state(const std::string& pin_dir);
std::string render_backend_state(const nlohmann::json& state);

}  // namespace xlb::cli
