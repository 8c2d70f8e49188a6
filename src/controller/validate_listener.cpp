#include "controller/validate_common.h"

namespace xlb::controller {

using namespace detail;

namespace {

constexpr const char* kNeedsL7 = "needs the L7 tier, which this deployment does not have yet";

const std::vector<FieldSpec>& listener_fields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> f;
    add_common_fields(f, true);
    f.push_back({"protocol",
                 enum_field({"HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "UDP", "SCTP", "PROMETHEUS"}), true, false,
                 nullptr});
    f.push_back({"protocol_port", integer_field(1, 65535), true, false, nullptr});
    f.push_back({"loadbalancer_id", uuid_field(), true, false, nullptr});
    f.push_back({"connection_limit", nullable(integer_field(-1, INT32_MAX)), false, true, -1});
    f.push_back({"default_pool_id", nullable(uuid_field()), false, true, nullptr});
    f.push_back({"timeout_client_data", nullable(integer_field(0, kMaxTimeoutMs)), false, true, 50000});
    f.push_back({"timeout_member_connect", nullable(integer_field(0, kMaxTimeoutMs)), false, true, 5000});
    f.push_back({"timeout_member_data", nullable(integer_field(0, kMaxTimeoutMs)), false, true, 50000});
    f.push_back({"timeout_tcp_inspect", nullable(integer_field(0, kMaxTimeoutMs)), false, true, 0});
    f.push_back({"allowed_cidrs", nullable(cidr_list_field()), false, true, nullptr});
    f.push_back({"client_authentication", nullable(enum_field({"NONE"})), false, true, nullptr, false});
    f.push_back(unsupported("default_pool", "creating the default pool together with the listener is not "
                                            "supported yet: create the pool with listener_id"));
    const std::string tls = std::string("TLS ") + kNeedsL7;
    for (const char* name : {"default_tls_container_ref", "sni_container_refs", "client_ca_tls_container_ref",
                             "client_crl_container_ref", "tls_ciphers", "tls_versions", "alpn_protocols",
                             "hsts_include_subdomains", "hsts_max_age", "hsts_preload"})
      f.push_back(unsupported(name, tls));
    f.push_back(unsupported("insert_headers", std::string("inserting headers ") + kNeedsL7));
    f.push_back(unsupported("l7policies", std::string("L7 policies ") + kNeedsL7));
    return f;
  }();
  return fields;
}

}  // namespace

Outcome<json> validate_listener(const json& body, const json* existing) {
  auto record = read_and_merge(body, existing, listener_fields(), "listener");
  if (!record) return record;
  const std::string& protocol = record->at("protocol").get_ref<const std::string&>();
  if (protocol == "HTTP" || protocol == "HTTPS" || protocol == "TERMINATED_HTTPS")
    return bad_request("Listener protocol " + protocol + " " + kNeedsL7 + ": use TCP or UDP");
  if (protocol != "TCP" && protocol != "UDP")
    return bad_request("Listener protocol " + protocol + " is not supported: use TCP or UDP");
  // Unset timeouts and limits read as Octavia's defaults, as on create.
  for (auto [field, fallback] : {std::pair{"connection_limit", -1}, {"timeout_client_data", 50000},
                                 {"timeout_member_connect", 5000}, {"timeout_member_data", 50000},
                                 {"timeout_tcp_inspect", 0}}) {
    if (record->at(field).is_null()) (*record)[field] = fallback;
  }
  if (record->at("allowed_cidrs").is_array() && record->at("allowed_cidrs").empty())
    (*record)["allowed_cidrs"] = nullptr;
  return record;
}

}  // namespace xlb::controller
