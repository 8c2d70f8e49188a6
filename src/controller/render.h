// Records as the API shows them: Octavia's response fields, with what is
// derived from the whole state (child id lists, statuses, tenant_id) filled
// in, and the fields Octavia has but xlb does not use shown empty so that
// clients expecting them find them.
//
// Statuses follow what the agents report (statuses.h): provisioning_status
// comes from the revisions the load balancer's group applied, and is shared
// by everything under the load balancer; operating_status is OFFLINE for a
// resource whose admin_state_up is false, and otherwise follows the members'
// reported health upwards: a member is ONLINE (up), ERROR (down) or
// NO_MONITOR (no monitor, or not probed yet); a pool ERROR when all its
// probed members are down, DEGRADED when some are; a listener as its default
// pool; a load balancer DEGRADED when a listener is not ONLINE, ERROR when
// none is. Without `statuses`, or before any agent registered, a committed
// change counts as applied (ACTIVE).
#pragma once

#include "controller/state.h"
#include "controller/statuses.h"

namespace xlb::controller {

json render(Kind k, const json& record, const State& state, const Statuses* statuses = nullptr);

// GET /loadbalancers/{id}/status: {"statuses": {"loadbalancer": tree}}.
json status_tree(const json& loadbalancer, const State& state, const Statuses* statuses = nullptr);

// A rendered resource of kind k with every field present (values made up):
// what the fields of that kind are, even when none exists.
const json& example(Kind k);

std::string provisioning_status(Kind k, const json& record, const State& state, const Statuses* statuses);
std::string operating_status(Kind k, const json& record, const State& state, const Statuses* statuses);

}  // namespace xlb::controller
