#include <regex>

#include "controller/validate_common.h"

namespace xlb::controller {

using namespace detail;

namespace {

Check expected_codes_field() {
  return [](const json& v) -> std::optional<std::string> {
    // "200", "200,202", "200-204": what Octavia accepts.
    static const std::regex pattern(R"(^(\d{3}(\s*,\s*\d{3})*)$|^(\d{3}-\d{3})$)");
    if (!v.is_string() || !std::regex_match(v.get_ref<const std::string&>(), pattern))
      return std::string("must be a status code (200), a list (200,202) or a range (200-204)");
    return std::nullopt;
  };
}

Check url_path_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (!v.is_string()) return std::string("must be a string");
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s[0] != '/' || s.size() > 2048) return std::string("must be a path starting with /");
    for (unsigned char c : s)
      if (c <= 0x20 || c >= 0x7f) return std::string("must not contain spaces or control characters");
    return std::nullopt;
  };
}

Check http_version_field() {
  return [](const json& v) -> std::optional<std::string> {
    if (v.is_number() && (v.get<double>() == 1.0 || v.get<double>() == 1.1)) return std::nullopt;
    return std::string("must be 1.0 or 1.1");
  };
}

Check domain_name_field() {
  return [](const json& v) -> std::optional<std::string> {
    static const std::regex pattern(
        R"(^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$)");
    if (!v.is_string() || !std::regex_match(v.get_ref<const std::string&>(), pattern))
      return std::string("must be a host name such as www.example.com");
    return std::nullopt;
  };
}

const std::vector<FieldSpec>& healthmonitor_fields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> f;
    add_common_fields(f, false);
    f.push_back({"type", enum_field({"HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP"}), true,
                 false, nullptr});
    f.push_back({"pool_id", uuid_field(), true, false, nullptr});
    // Octavia allows 0; a probe every 0 s or one that may take 0 s is a
    // mistake, so both start at 1 here.
    f.push_back({"delay", integer_field(1, 86400), true, true, nullptr});
    f.push_back({"timeout", integer_field(1, 86400), true, true, nullptr});
    f.push_back({"max_retries", integer_field(1, 10), true, true, nullptr});
    f.push_back({"max_retries_down", nullable(integer_field(1, 10)), false, true, 3});
    f.push_back({"http_method",
                 nullable(enum_field({"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"})),
                 false, true, nullptr});
    f.push_back({"url_path", nullable(url_path_field()), false, true, nullptr});
    f.push_back({"expected_codes", nullable(expected_codes_field()), false, true, nullptr});
    f.push_back({"http_version", nullable(http_version_field()), false, true, nullptr});
    f.push_back({"domain_name", nullable(domain_name_field()), false, true, nullptr});
    return f;
  }();
  return fields;
}

}  // namespace

Outcome<json> validate_healthmonitor(const json& body, const json* existing) {
  auto record = read_and_merge(body, existing, healthmonitor_fields(), "healthmonitor");
  if (!record) return record;
  json& r = *record;
  const std::string& type = r.at("type").get_ref<const std::string&>();
  if (type == "TLS-HELLO" || type == "SCTP")
    return bad_request("Health monitor type " + type + " is not supported: use TCP, HTTP, HTTPS, UDP-CONNECT or PING");
  if (r.at("timeout").get<int64_t>() > r.at("delay").get<int64_t>())
    return bad_request("The health monitor timeout (" + r.at("timeout").dump() +
                       " s) must be less than or equal to its delay (" + r.at("delay").dump() + " s)");
  if (r.at("max_retries_down").is_null()) r["max_retries_down"] = 3;
  const bool http = type == "HTTP" || type == "HTTPS";
  if (http) {
    if (r.at("http_method").is_null()) r["http_method"] = "GET";
    if (r.at("url_path").is_null()) r["url_path"] = "/";
    if (r.at("expected_codes").is_null()) r["expected_codes"] = "200";
    if (!r.at("domain_name").is_null() && r.at("http_version") != 1.1)
      return bad_request("domain_name needs http_version 1.1 (HTTP/1.0 sends no Host header)");
  } else {
    for (const char* field : {"http_method", "url_path", "expected_codes", "http_version", "domain_name"}) {
      if (!r.at(field).is_null())
        return bad_request(std::string(field) + " applies only to HTTP and HTTPS health monitors, not " + type);
    }
  }
  return record;
}

}  // namespace xlb::controller
