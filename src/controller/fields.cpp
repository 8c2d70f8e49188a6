#include "controller/fields.h"

#include <algorithm>
#include <cctype>

#include "common/net.h"

namespace xlb::controller {

namespace {

std::string shown(const json& value) {
  std::string s = value.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

std::optional<std::string> need_string(const json& v) {
  if (!v.is_string()) return std::string("must be a string");
  return std::nullopt;
}

}  // namespace

bool is_uuid(std::string_view s) {
  // 8-4-4-4-12 hex digits; the dashless 32-digit form is accepted too, as
  // Octavia's UuidType does.
  if (s.size() == 32) return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

Outcome<json> read_fields(const json& body, std::span<const FieldSpec> fields, Mode mode, std::string_view kind) {
  if (!body.is_object()) return bad_request("the " + std::string(kind) + " must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    auto spec = std::find_if(fields.begin(), fields.end(), [&](const FieldSpec& f) { return f.name == key; });
    if (spec == fields.end()) return bad_request("Unknown attribute for " + std::string(kind) + ": " + key);
    if (mode == Mode::update && !spec->updatable)
      return bad_request("Attribute " + key + " of a " + std::string(kind) + " cannot be changed after creation");
    if (auto problem = spec->check(value)) {
      return bad_request("Invalid input for field/attribute " + key + ". Value: " + shown(value) + ". " + *problem);
    }
  }
  json out = json::object();
  for (const FieldSpec& f : fields) {
    if (!f.stored) continue;
    const std::string name(f.name);
    auto it = body.find(name);
    if (it != body.end()) {
      out[name] = *it;
    } else if (mode == Mode::create) {
      if (f.required) return bad_request("Mandatory field missing: " + name + " (" + std::string(kind) + ")");
      out[name] = f.default_value;
    }
  }
  return out;
}

Check nullable(Check inner) {
  return [inner = std::move(inner)](const json& v) -> std::optional<std::string> {
    if (v.is_null()) return std::nullopt;
    return inner(v);
  };
}

Check string_field(size_t max_length, size_t min_length) {
  return [=](const json& v) -> std::optional<std::string> {
    if (auto e = need_string(v)) return e;
    const size_t n = v.get_ref<const std::string&>().size();
    if (n > max_length) return "must be at most " + std::to_string(max_length) + " characters";
    if (n < min_length) return "must be at least " + std::to_string(min_length) + " characters";
    return std::nullopt;
  };
}

Check uuid_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (!v.is_string() || !is_uuid(v.get_ref<const std::string&>())) return std::string("must be a UUID");
    return std::nullopt;
  };
}

Check boolean_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (!v.is_boolean()) return std::string("must be true or false");
    return std::nullopt;
  };
}

Check integer_field(int64_t min, int64_t max) {
  return [=](const json& v) -> std::optional<std::string> {
    // 5.0 is not an integer on this wire: Octavia refuses it too.
    if (!v.is_number_integer()) return std::string("must be an integer");
    // The parser stores non-negative numbers as unsigned: compare those as
    // unsigned, so that 2^64-1 is not read as -1.
    bool in_range;
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      in_range = u <= static_cast<uint64_t>(max) && (min <= 0 || u >= static_cast<uint64_t>(min));
    } else {
      in_range = v.get<int64_t>() >= min && v.get<int64_t>() <= max;
    }
    if (!in_range) return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  };
}

Check enum_field(std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> values(allowed.begin(), allowed.end());
  return [values](const json& v) -> std::optional<std::string> {
    if (v.is_string() && std::find(values.begin(), values.end(), v.get_ref<const std::string&>()) != values.end())
      return std::nullopt;
    std::string list;
    for (const auto& a : values) list += (list.empty() ? "" : ", ") + a;
    return "must be one of: " + list;
  };
}

Check ip_address_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (auto e = need_string(v)) return e;
    if (!IpAddr::parse(v.get_ref<const std::string&>())) return std::string("must be an IPv4 or IPv6 address");
    return std::nullopt;
  };
}

Check tags_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (!v.is_array()) return std::string("must be a list of strings");
    if (v.size() > 64) return std::string("must have at most 64 tags");
    for (const auto& t : v) {
      if (!t.is_string() || t.get_ref<const std::string&>().empty() || t.get_ref<const std::string&>().size() > 255)
        return std::string("every tag must be a string of 1 to 255 characters");
    }
    return std::nullopt;
  };
}

Check cidr_list_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (!v.is_array()) return std::string("must be a list of CIDRs");
    if (v.size() > 256) return std::string("must have at most 256 CIDRs");
    for (const auto& c : v) {
      if (!c.is_string() || !Prefix::parse(c.get_ref<const std::string&>()))
        return "every entry must be a CIDR such as 192.0.2.0/24 or 2001:db8::/32 with no host bits set";
    }
    return std::nullopt;
  };
}

FieldSpec unsupported(std::string_view name, std::string why) {
  Check check = [why = std::move(why)](const json& v) -> std::optional<std::string> {
    if (v.is_null() || v == false || ((v.is_array() || v.is_object()) && v.empty())) return std::nullopt;
    return why;
  };
  return FieldSpec{name, std::move(check), false, true, nullptr, false};
}

}  // namespace xlb::controller
