// Names of the ABI's counters and drop reasons, as metrics and tools print them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xlb/abi.h"

namespace xlb::l4 {

// "truncated_l2", "no_service", ...
const char* drop_reason_name(uint32_t reason);
// "pass", "tx", "fib_hit", "drop_no_service", ...
std::string counter_name(uint32_t counter_id);
// Every id that names a counter: the node counters, then the drop reasons.
std::vector<uint32_t> counter_ids();

}  // namespace xlb::l4
