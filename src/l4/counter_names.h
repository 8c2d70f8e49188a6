// Names of the ABI's counters and drop reasons, as metrics and tools print them.
#pragma once

#include <cstdint>
#include <string>

#include "xlb/abi.h"

namespace xlb::l4 {

// "truncated_l2", "no_service", ...
const char* drop_reason_name(uint32_t reason);
// "pass", "tx", "fib_hit", "drop_no_service", ...
std::string counter_name(uint32_t counter_id);

}  // namespace xlb::l4
