// Records as the API shows them: Octavia's response fields, with what is
// derived from the whole state (child id lists, statuses, tenant_id) filled
// in, and the fields Octavia has but xlb does not use shown empty so that
// clients expecting them find them.
//
// Statuses in this version: there are no agents yet, so nothing can report
// what was applied or which member is healthy. A committed change is taken
// as applied (provisioning_status ACTIVE at once, never PENDING_*);
// operating_status is OFFLINE for a resource whose admin_state_up is false,
// NO_MONITOR for members (nobody probes them yet), ONLINE otherwise. When
// agents arrive, both follow what they report.
#pragma once

#include "controller/state.h"

namespace xlb::controller {

json render(Kind k, const json& record, const State& state);

// GET /loadbalancers/{id}/status: {"statuses": {"loadbalancer": tree}}.
json status_tree(const json& loadbalancer, const State& state);

// A rendered resource of kind k with every field present (values made up):
// what the fields of that kind are, even when none exists.
const json& example(Kind k);

std::string provisioning_status(const json& record);
std::string operating_status(Kind k, const json& record);

}  // namespace xlb::controller
