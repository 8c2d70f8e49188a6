// Talking to a running BIRD over its control socket (what birdc does), so the
// agent needs no birdc binary and reads BIRD's numbered replies instead of
// its human output.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace xlb::bgp {

// Asks BIRD to read its config files again (`birdc configure`). Ok once BIRD
// says it reconfigured (or queued it); an error carries BIRD's own message,
// e.g. a syntax error with file and line, or why the socket is unreachable.
Status bird_configure(const std::string& socket_path,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

}  // namespace xlb::bgp
