#include "controller/validate_common.h"

namespace xlb::controller {

using namespace detail;

namespace {

const std::vector<FieldSpec>& member_fields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> f;
    add_common_fields(f, false);
    f.push_back({"address", ip_address_field(), true, false, nullptr});
    f.push_back({"protocol_port", integer_field(1, 65535), true, false, nullptr});
    f.push_back({"weight", integer_field(0, 256), false, true, 1});
    f.push_back({"backup", boolean_field(), false, true, false});
    f.push_back({"subnet_id", nullable(uuid_field()), false, false, nullptr});
    f.push_back({"monitor_address", nullable(ip_address_field()), false, true, nullptr});
    f.push_back({"monitor_port", nullable(integer_field(1, 65535)), false, true, nullptr});
    f.push_back(unsupported("request_sriov", "SR-IOV ports are not supported"));
    return f;
  }();
  return fields;
}

}  // namespace

Outcome<json> validate_member(const json& body, const json* existing) {
  auto record = read_and_merge(body, existing, member_fields(), "member");
  if (!record) return record;
  canonical_address(*record, "address");
  canonical_address(*record, "monitor_address");
  return record;
}

}  // namespace xlb::controller
