// Neutron's subnet look-ups, answered from the operator's subnets file:
// GET /v2.0/subnets (filters id, name, network_id, cidr; repeated keys match
// any) and GET /v2.0/subnets/{id}. Any valid token may read them.
#pragma once

#include <string>
#include <vector>

#include "controller/subnets.h"
#include "http/server.h"

namespace xlb::controller {

// `rest` is the path after /v2.0/subnets.
http::Response subnet_request(const http::Request& req, const std::vector<std::string>& rest, const Subnets& subnets);

}  // namespace xlb::controller
