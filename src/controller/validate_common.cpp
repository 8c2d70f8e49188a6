#include "controller/validate_common.h"

#include "common/net.h"

namespace xlb::controller {

namespace detail {

void add_common_fields(std::vector<FieldSpec>& fields, bool with_description) {
  fields.push_back({"name", nullable(string_field(255)), false, true, ""});
  if (with_description) fields.push_back({"description", nullable(string_field(255)), false, true, ""});
  fields.push_back({"admin_state_up", boolean_field(), false, true, true});
  fields.push_back({"tags", tags_field(), false, true, json::array()});
  // Who owns the resource is settled by the service from the token; the
  // body may name a project (admins create for others), never change it.
  fields.push_back({"project_id", nullable(string_field(255, 1)), false, false, nullptr});
}

Outcome<json> read_and_merge(const json& body, const json* existing, const std::vector<FieldSpec>& fields,
                             std::string_view kind) {
  auto read = read_fields(body, fields, existing ? Mode::update : Mode::create, kind);
  if (!read || !existing) return read;
  json merged = *existing;
  for (const auto& [key, value] : read->items()) merged[key] = value;
  return merged;
}

void canonical_address(json& record, const char* field) {
  auto it = record.find(field);
  if (it == record.end() || !it->is_string()) return;
  if (auto ip = IpAddr::parse(it->get_ref<const std::string&>())) *it = ip->str();
}

}  // namespace detail

Outcome<json> validate(Kind kind, const json& body, const json* existing) {
  switch (kind) {
    case Kind::loadbalancer: return validate_loadbalancer(body, existing);
    case Kind::listener: return validate_listener(body, existing);
    case Kind::pool: return validate_pool(body, existing);
    case Kind::member: return validate_member(body, existing);
    case Kind::healthmonitor: return validate_healthmonitor(body, existing);
  }
  return Fault{500, "unknown resource kind"};
}

}  // namespace xlb::controller
