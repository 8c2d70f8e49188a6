// The Octavia quota endpoints: GET /quotas, GET /quotas/defaults, and
// GET/PUT/DELETE /quotas/{project_id} (under /v2/lbaas and /v2.0/lbaas).
// Anyone reads their own project's quotas; the admin reads all and changes them.
#pragma once

#include <string>
#include <vector>

#include "controller/auth.h"
#include "controller/quotas.h"
#include "http/server.h"

namespace xlb::controller {

// `rest` is the path after .../quotas.
http::Response quota_request(const http::Request& req, const std::vector<std::string>& rest, const Identity& who,
                             QuotaStore& quotas);

}  // namespace xlb::controller
