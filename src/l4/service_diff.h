// What changed between two sets of services, in words an operator reads in
// the agent's log: which service came or went, which backend was added,
// removed, reweighted or changed state.
#pragma once

#include <string>
#include <vector>

#include "l4/service.h"

namespace xlb::l4 {

struct ServiceChange {
  enum class Kind { Added, Removed, Updated };
  Kind kind;
  ServiceKey key;
  // One line per difference: "backend 198.18.12.2 weight 1 -> 3",
  // "backend 198.18.13.2 added (weight 1, active)", "flags stateless -> none".
  std::vector<std::string> details;
};

const char* change_kind_name(ServiceChange::Kind kind);  // "added", "removed", "updated"

// Ordered by service key; services equal in both sets are left out.
std::vector<ServiceChange> diff_services(const std::vector<ServiceSpec>& before, const std::vector<ServiceSpec>& after);

}  // namespace xlb::l4
