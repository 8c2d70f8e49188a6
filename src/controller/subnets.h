// The subnets an operator offers for VIPs, from a file (YAML or JSON):
//
//   subnets:
//     - id: 6f1c...            # a UUID: what vip_subnet_id names
//       name: public-vips
//       cidr: 198.51.100.0/24
//       gateway_ip: 198.51.100.1   # optional; never allocated
//       network_id: 0a7e...        # optional UUID
//
// The controller answers Neutron's GET /v2.0/subnets?id= look-ups from it
// (what Octavia clients ask before creating a load balancer), checks that
// a load balancer's vip_address lies in its vip_subnet_id, and allocates a
// free address from the subnet when vip_address is omitted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/net.h"
#include "common/result.h"
#include "controller/fault.h"
#include "controller/state.h"

namespace xlb::controller {

struct Subnet {
  std::string id, name, network_id;
  Prefix cidr;
  std::optional<IpAddr> gateway;
};

class Subnets {
 public:
  // Mistakes come back as "file:line: what".
  static Result<Subnets> load(const std::string& path);

  const Subnet* find(const std::string& id) const;
  const std::vector<Subnet>& all() const { return subnets_; }

 private:
  std::vector<Subnet> subnets_;
};

bool prefix_contains(const Prefix& p, const IpAddr& a);

// Neutron's view of a subnet.
json subnet_json(const Subnet& s);

// For a load balancer create body (the inner object) naming a configured
// vip_subnet_id: checks its vip_address is inside, or sets vip_address to
// the first free address (not the network, gateway or IPv4 broadcast
// address, not another load balancer's VIP). 400 for an unknown subnet or
// an address outside it, 409 when the subnet has no free address.
Outcome<json> place_vip(json body, const Subnets& subnets, const State& state);

}  // namespace xlb::controller
