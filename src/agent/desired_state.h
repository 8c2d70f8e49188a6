// Controller mode's desired state on the agent's side: the node's part of
// the controller's state (controller/node_state.h: a revision and VIPs in
// the config file's own terms) joined with the local file's node, dataplane
// and bgp sections into one config, checked by the same decoder as a static
// file. The last applied one is kept in a local file, so that a restarted
// agent serves it again before the controller answers (or while it cannot).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "config/config.h"

namespace xlb::agent {

struct Desired {
  int64_t revision = 0;
  nlohmann::json document;  // {"revision", "group", "vips"} as the controller sent it
};

// Reads {"desired": {...}} (or the inner object) and checks its shape.
Result<Desired> parse_desired(std::string_view text);

// The local config (which must not list VIPs itself) with the desired VIPs.
Result<config::Config> config_with(const std::string& local_path, const Desired& desired);

// The local file alone: its VIPs must be empty in controller mode.
Result<config::Config> local_config(const std::string& local_path);

// Written atomically; a missing file is nullopt, a broken one an error.
Status save_desired(const std::string& path, const Desired& desired);
Result<std::optional<Desired>> load_desired(const std::string& path);

}  // namespace xlb::agent
