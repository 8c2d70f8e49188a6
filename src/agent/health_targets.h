// Which health-check targets a config asks for, and which backends each one
// speaks for (one target can stand for the same backend in several VIPs).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/net.h"
#include "config/config.h"
#include "health/checker.h"

namespace xlb::agent {

// (VIP label, backend address): how overrides and health results name a backend.
using BackendRef = std::pair<std::string, IpAddr>;

using HealthTargets = std::map<health::Target, std::vector<BackendRef>>;

// Every backend of a VIP with a health_check, probed at its monitor address
// (default: its own) and port (backend monitor_port, else the check's port,
// else the VIP's).
HealthTargets health_targets_of(const config::Config& cfg);

}  // namespace xlb::agent
