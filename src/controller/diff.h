// What changed between two desired states, resource by resource: a list of
//   {"action": "create", "kind": "member", "id": ..., "after": record}
//   {"action": "delete", "kind": "member", "id": ..., "before": record}
//   {"action": "update", "kind": "member", "id": ...,
//    "fields": {"weight": {"before": 1, "after": 5}}}
// in kind order (load balancers first) and then by id, so the same pair of
// states always gives the same diff. Agents will apply exactly this.
#pragma once

#include "controller/state.h"

namespace xlb::controller {

json diff(const State& before, const State& after);

}  // namespace xlb::controller
