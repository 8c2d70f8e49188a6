// Checks that relate several parts of a decoded config: counts against the
// dataplane limits, duplicates, and address families against the encapsulation
// sources. Internal to xlb_config.
#pragma once

#include "config/config.h"
#include "config/decode.h"
#include "config/diagnostics.h"

namespace xlb::config {

void validate(const Config& config, const Origins& origins, Diagnostics& diag);

}  // namespace xlb::config
