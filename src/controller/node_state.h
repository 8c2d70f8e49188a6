// What one L4 node group must serve, projected from the desired state and
// already in the terms of the agent's own config file (docs/config.md,
// `vips:`), so that the agent checks it with the same decoder as a static
// config and applies it with the same diff:
//
//   {"revision": 12, "group": "l4-a",
//    "vips": [{"name": <listener id>, "address": VIP, "port": 80, "protocol": "tcp",
//              "hash": "5tuple"|"source", "health_check": {...},
//              "backends": [{"address", "weight", "state", "monitor_port", "monitor_address"}]}]}
//
// One VIP per enabled listener of each enabled load balancer placed on the
// group. A listener's VIP is named by its id, which is how agents name it
// back when they report health. The L4 tier forwards to the member's
// address (the packet keeps the VIP's port); the member's protocol_port is
// where it is probed.
#pragma once

#include <cstdint>
#include <string>

#include "controller/state.h"

namespace xlb::controller {

// The field of a load balancer's record holding the group it is placed on.
inline constexpr const char* kPlacementGroup = "placement_group";

json node_state(const State& s, const std::string& group, int64_t revision);

// The VIPs of one load balancer (whatever its placement), with its group:
// equal before and after a change exactly when no node needs to act.
json loadbalancer_projection(const State& s, const json& loadbalancer);

// The load balancer a record of kind k belongs to ("" when none).
std::string loadbalancer_of(Kind k, const json& record, const State& s);

}  // namespace xlb::controller
