#include "controller/validate_common.h"

namespace xlb::controller {

using namespace detail;

namespace {

const std::vector<FieldSpec>& pool_fields() {
  static const std::vector<FieldSpec> fields = [] {
    std::vector<FieldSpec> f;
    add_common_fields(f, true);
    f.push_back(
        {"protocol", enum_field({"HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP", "UDP", "SCTP"}), true, false, nullptr});
    f.push_back({"lb_algorithm", enum_field({"ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT"}),
                 true, true, nullptr});
    f.push_back({"loadbalancer_id", nullable(uuid_field()), false, false, nullptr});
    f.push_back({"listener_id", nullable(uuid_field()), false, false, nullptr, false});
    f.push_back(unsupported("session_persistence",
                            "session persistence is not supported: lb_algorithm SOURCE_IP keeps a client on one "
                            "member"));
    const std::string one_by_one = "creating children together with the pool is not supported yet";
    f.push_back(unsupported("healthmonitor", one_by_one));
    f.push_back(unsupported("members", one_by_one));
    const std::string tls = "TLS to members needs the L7 tier, which this deployment does not have yet";
    for (const char* name : {"tls_enabled", "tls_container_ref", "ca_tls_container_ref", "crl_container_ref",
                             "tls_ciphers", "tls_versions", "alpn_protocols"})
      f.push_back(unsupported(name, tls));
    return f;
  }();
  return fields;
}

}  // namespace

Outcome<json> validate_pool(const json& body, const json* existing) {
  auto record = read_and_merge(body, existing, pool_fields(), "pool");
  if (!record) return record;
  const std::string& protocol = record->at("protocol").get_ref<const std::string&>();
  if (protocol != "TCP" && protocol != "UDP")
    return bad_request("Pool protocol " + protocol +
                       " is not supported: this deployment has only the L4 tier; use TCP or UDP");
  const std::string& algorithm = record->at("lb_algorithm").get_ref<const std::string&>();
  if (algorithm != "SOURCE_IP_PORT" && algorithm != "SOURCE_IP")
    return bad_request("lb_algorithm " + algorithm +
                       " is not supported: the L4 tier hashes flows consistently (Maglev); use SOURCE_IP_PORT "
                       "(the flow's 5-tuple) or SOURCE_IP (the client address alone)");
  if (!existing && record->at("loadbalancer_id").is_null() && (!body.contains("listener_id") ||
                                                                body.at("listener_id").is_null()))
    return bad_request("A pool needs a listener_id or a loadbalancer_id");
  return record;
}

}  // namespace xlb::controller
