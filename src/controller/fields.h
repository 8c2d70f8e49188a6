// Checking request bodies field by field. Each resource states its fields
// once, in a table (name, check, required on create, changeable by PUT,
// default); read_fields() applies the table to a body: unknown fields, a
// missing required field, a field PUT may not change, or a value its check
// refuses each end in a 400 that names the field and says what is allowed.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controller/fault.h"
#include "controller/state.h"

namespace xlb::controller {

// Empty when the value is acceptable, else what is wrong with it (a phrase
// that completes "Invalid input for field/attribute X. Value: V. ...").
using Check = std::function<std::optional<std::string>(const json& value)>;

struct FieldSpec {
  std::string_view name;
  Check check;
  bool required = false;   // on create
  bool updatable = true;   // PUT may change it
  json default_value;      // on create when absent (null: stays null)
  bool stored = true;      // false: accepted when empty, never kept (see unsupported())
};

enum class Mode { create, update };

// The accepted fields of `body` (which must be a JSON object). On create,
// every field of the table appears in the result, absent ones with their
// default; on update, only the fields the body carries.
Outcome<json> read_fields(const json& body, std::span<const FieldSpec> fields, Mode mode, std::string_view kind);

// Checks. Every one refuses JSON null unless wrapped in nullable().
Check nullable(Check inner);
Check string_field(size_t max_length, size_t min_length = 0);
Check uuid_field();
Check boolean_field();
Check integer_field(int64_t min, int64_t max);
Check enum_field(std::initializer_list<std::string_view> allowed);
Check ip_address_field();
Check tags_field();
Check cidr_list_field();
// A field Octavia has but this deployment cannot honour yet: null, false or
// an empty list/object are accepted (tools send them) and dropped; anything
// else is refused with `why`.
FieldSpec unsupported(std::string_view name, std::string why);

bool is_uuid(std::string_view s);

}  // namespace xlb::controller
