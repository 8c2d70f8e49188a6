#include "controller/validate_common.h"

namespace xlb::controller {

using namespace detail;

namespace {

const std::vector<FieldSpec>& loadbalancer_fields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> f;
    add_common_fields(f, true);
    // No subnet allocation in this version: the VIP is named, not drawn.
    f.push_back({"vip_address", ip_address_field(), true, false, nullptr});
    f.push_back({"vip_subnet_id", nullable(uuid_field()), false, false, nullptr});
    f.push_back({"vip_network_id", nullable(uuid_field()), false, false, nullptr});
    f.push_back({"vip_port_id", nullable(uuid_field()), false, false, nullptr});
    f.push_back({"vip_qos_policy_id", nullable(uuid_field()), false, true, nullptr});
    f.push_back({"provider", nullable(enum_field({"xlb"})), false, false, "xlb"});
    f.push_back(unsupported("flavor_id", "flavors are not supported yet"));
    f.push_back(unsupported("availability_zone", "availability zones are not supported yet"));
    f.push_back(unsupported("additional_vips", "additional VIPs are not supported yet"));
    const std::string one_by_one =
        "creating children together with the load balancer is not supported yet: create them one by one";
    f.push_back(unsupported("listeners", one_by_one));
    f.push_back(unsupported("pools", one_by_one));
    return f;
  }();
  return fields;
}

}  // namespace

Outcome<json> validate_loadbalancer(const json& body, const json* existing) {
  auto record = read_and_merge(body, existing, loadbalancer_fields(), "loadbalancer");
  if (!record) return record;
  if (record->at("provider").is_null()) (*record)["provider"] = "xlb";
  canonical_address(*record, "vip_address");
  return record;
}

}  // namespace xlb::controller
