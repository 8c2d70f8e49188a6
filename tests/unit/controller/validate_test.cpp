// Request-body validation of every resource: what a good body becomes
// (defaults filled in, addresses canonical), and the 400 each bad field gets.
#include "controller/validate.h"
#include "controller/fields.h"

#include <gtest/gtest.h>

namespace xlb::controller {
namespace {

const std::string kUuid = "6f1d4c1e-8a43-4f0e-9b1e-2b8c7f0a9d11";

// The 400 message for `body`, or "" when it is accepted.
std::string refusal(Kind k, const json& body, const json* existing = nullptr) {
  auto r = validate(k, body, existing);
  if (r) return "";
  EXPECT_EQ(r.fault().status, 400u) << r.fault().message;
  return r.fault().message;
}

bool says(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

// `base` with some fields set.
json with(json base, const json& changes) {
  base.update(changes);
  return base;
}

TEST(ValidateLoadBalancer, DefaultsAndCanonicalVip) {
  auto r = validate_loadbalancer({{"vip_address", "2001:DB8:0:0::1"}}, nullptr);
  ASSERT_TRUE(r) << r.fault().message;
  EXPECT_EQ(r->at("vip_address"), "2001:db8::1");
  EXPECT_EQ(r->at("name"), "");
  EXPECT_EQ(r->at("admin_state_up"), true);
  EXPECT_EQ(r->at("provider"), "xlb");
  EXPECT_EQ(r->at("tags"), json::array());
  EXPECT_FALSE(r->contains("flavor_id"));  // accepted when null, never stored
}

TEST(ValidateLoadBalancer, BadBodies) {
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, json::object()), "Mandatory field missing: vip_address"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.300"}}), "IPv4 or IPv6"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"name", std::string(256, 'n')}}),
                   "at most 255"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"vip_subnet_id", "nope"}}),
                   "must be a UUID"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"admin_state_up", "yes"}}),
                   "true or false"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"provider", "amphora"}}),
                   "must be one of: xlb"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"flavor_id", kUuid}}),
                   "flavors are not supported"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"bogus", 1}}),
                   "Unknown attribute for loadbalancer: bogus"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}, {"tags", {1}}}), "every tag"));
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, json::array()), "must be a JSON object"));
}

TEST(ValidateLoadBalancer, UpdateMergesAndKeepsImmutableFields) {
  json stored = *validate_loadbalancer({{"vip_address", "198.51.100.1"}, {"name", "a"}}, nullptr);
  auto r = validate_loadbalancer({{"name", "b"}, {"admin_state_up", false}}, &stored);
  ASSERT_TRUE(r) << r.fault().message;
  EXPECT_EQ(r->at("name"), "b");
  EXPECT_EQ(r->at("admin_state_up"), false);
  EXPECT_EQ(r->at("vip_address"), "198.51.100.1");
  EXPECT_TRUE(says(refusal(Kind::loadbalancer, {{"vip_address", "198.51.100.2"}}, &stored),
                   "vip_address of a loadbalancer cannot be changed"));
}

json listener(const std::string& protocol, json port = 80) {
  return {{"protocol", protocol}, {"protocol_port", port}, {"loadbalancer_id", kUuid}};
}

TEST(ValidateListener, TcpAndUdpWithDefaults) {
  for (const char* p : {"TCP", "UDP"}) {
    auto r = validate_listener(listener(p), nullptr);
    ASSERT_TRUE(r) << r.fault().message;
    EXPECT_EQ(r->at("connection_limit"), -1);
    EXPECT_EQ(r->at("timeout_client_data"), 50000);
    EXPECT_EQ(r->at("timeout_member_connect"), 5000);
    EXPECT_EQ(r->at("default_pool_id"), nullptr);
    EXPECT_EQ(r->at("allowed_cidrs"), nullptr);
  }
  json body = listener("TCP");
  body["allowed_cidrs"] = {"192.0.2.0/24", "2001:db8::/32"};
  EXPECT_EQ(refusal(Kind::listener, body), "");
}

TEST(ValidateListener, L7ProtocolsNeedTheL7Tier) {
  for (const char* p : {"HTTP", "HTTPS", "TERMINATED_HTTPS"})
    EXPECT_TRUE(says(refusal(Kind::listener, listener(p)), "needs the L7 tier")) << p;
  EXPECT_TRUE(says(refusal(Kind::listener, listener("SCTP")), "not supported: use TCP or UDP"));
  EXPECT_TRUE(says(refusal(Kind::listener, listener("QUIC")), "must be one of: HTTP, HTTPS, TCP"));
}

TEST(ValidateListener, BadFields) {
  EXPECT_TRUE(says(refusal(Kind::listener, listener("TCP", 0)), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::listener, listener("TCP", 65536)), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::listener, listener("TCP", "80")), "must be an integer"));
  EXPECT_TRUE(says(refusal(Kind::listener, listener("TCP", 80.5)), "must be an integer"));
  EXPECT_TRUE(says(refusal(Kind::listener, with(listener("TCP"), {{"connection_limit", -2}})), "between -1 and"));
  EXPECT_TRUE(says(refusal(Kind::listener, with(listener("TCP"), {{"timeout_client_data", 2073600001}})),
                   "between 0 and 2073600000"));
  EXPECT_TRUE(
      says(refusal(Kind::listener, with(listener("TCP"), {{"allowed_cidrs", {"192.0.2.1/24"}}})), "no host bits"));
  EXPECT_TRUE(says(refusal(Kind::listener,
                           with(listener("TCP"), {{"default_tls_container_ref", "https://barbican/v1/containers/x"}})),
                   "TLS needs the L7 tier"));
  json b = listener("TCP");
  b.erase("loadbalancer_id");
  EXPECT_TRUE(says(refusal(Kind::listener, b), "Mandatory field missing: loadbalancer_id"));
  json stored = *validate_listener(listener("TCP"), nullptr);
  EXPECT_TRUE(says(refusal(Kind::listener, {{"protocol_port", 81}}, &stored), "cannot be changed"));
  // null puts a timeout back to its default
  auto r = validate_listener({{"timeout_client_data", nullptr}, {"connection_limit", 100}}, &stored);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("timeout_client_data"), 50000);
  EXPECT_EQ(r->at("connection_limit"), 100);
}

json pool(const std::string& algorithm, const std::string& protocol = "TCP") {
  return {{"protocol", protocol}, {"lb_algorithm", algorithm}, {"listener_id", kUuid}};
}

TEST(ValidatePool, HashingAlgorithmsOnly) {
  EXPECT_EQ(refusal(Kind::pool, pool("SOURCE_IP_PORT")), "");
  EXPECT_EQ(refusal(Kind::pool, pool("SOURCE_IP", "UDP")), "");
  for (const char* a : {"ROUND_ROBIN", "LEAST_CONNECTIONS"})
    EXPECT_TRUE(says(refusal(Kind::pool, pool(a)), "use SOURCE_IP_PORT")) << a;
  EXPECT_TRUE(says(refusal(Kind::pool, pool("RANDOM")), "must be one of"));
  EXPECT_TRUE(says(refusal(Kind::pool, pool("SOURCE_IP", "HTTP")), "only the L4 tier"));
  EXPECT_TRUE(says(refusal(Kind::pool, pool("SOURCE_IP", "PROXY")), "only the L4 tier"));
  json b = pool("SOURCE_IP");
  b.erase("listener_id");
  EXPECT_TRUE(says(refusal(Kind::pool, b), "needs a listener_id or a loadbalancer_id"));
  EXPECT_TRUE(says(refusal(Kind::pool, with(pool("SOURCE_IP"), {{"session_persistence", {{"type", "SOURCE_IP"}}}})),
                   "session persistence is not supported"));
  // null is what tools send when it is unset
  EXPECT_EQ(refusal(Kind::pool, with(pool("SOURCE_IP"), {{"session_persistence", nullptr}})), "");
}

json member(json address = "10.0.0.1", json port = 8080) { return {{"address", address}, {"protocol_port", port}}; }

TEST(ValidateMember, GoodBodies) {
  auto r = validate_member(member("2001:db8::0:5", 443), nullptr);
  ASSERT_TRUE(r) << r.fault().message;
  EXPECT_EQ(r->at("address"), "2001:db8::5");
  EXPECT_EQ(r->at("weight"), 1);
  EXPECT_EQ(r->at("backup"), false);
  json b = member();
  b.update({{"weight", 0}, {"backup", true}, {"monitor_address", "10.0.0.9"}, {"monitor_port", 9000}});
  EXPECT_EQ(refusal(Kind::member, b), "");
  b["weight"] = 256;
  EXPECT_EQ(refusal(Kind::member, b), "");
}

TEST(ValidateMember, BadBodies) {
  EXPECT_TRUE(says(refusal(Kind::member, member("10.0.0")), "IPv4 or IPv6"));
  EXPECT_TRUE(says(refusal(Kind::member, member("example.com")), "IPv4 or IPv6"));
  EXPECT_TRUE(says(refusal(Kind::member, member("10.0.0.1", -1)), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::member, with(member(), {{"weight", 257}})), "between 0 and 256"));
  EXPECT_TRUE(says(refusal(Kind::member, with(member(), {{"weight", -1}})), "between 0 and 256"));
  EXPECT_TRUE(says(refusal(Kind::member, with(member(), {{"monitor_port", 70000}})), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::member, with(member(), {{"backup", 1}})), "true or false"));
  EXPECT_TRUE(says(refusal(Kind::member, with(member(), {{"description", "members have none"}})),
                   "Unknown attribute for member: description"));
  json stored = *validate_member(member(), nullptr);
  EXPECT_TRUE(says(refusal(Kind::member, {{"address", "10.0.0.2"}}, &stored), "cannot be changed"));
  EXPECT_EQ(validate_member({{"weight", 7}}, &stored)->at("weight"), 7);
}

json monitor(const std::string& type, int delay = 5, int timeout = 3) {
  return {{"type", type}, {"delay", delay}, {"timeout", timeout}, {"max_retries", 3}, {"pool_id", kUuid}};
}

TEST(ValidateHealthMonitor, EveryL4TypeAndHttpDefaults) {
  for (const char* t : {"TCP", "HTTP", "HTTPS", "UDP-CONNECT", "PING"})
    EXPECT_EQ(refusal(Kind::healthmonitor, monitor(t)), "") << t;
  auto http = validate_healthmonitor(monitor("HTTP"), nullptr);
  EXPECT_EQ(http->at("http_method"), "GET");
  EXPECT_EQ(http->at("url_path"), "/");
  EXPECT_EQ(http->at("expected_codes"), "200");
  EXPECT_EQ(http->at("max_retries_down"), 3);
  auto tcp = validate_healthmonitor(monitor("TCP"), nullptr);
  EXPECT_EQ(tcp->at("http_method"), nullptr);
  json b = monitor("HTTPS");
  b.update({{"expected_codes", "200-204"}, {"url_path", "/healthz?deep=1"}, {"http_version", 1.1},
            {"domain_name", "www.example.com"}, {"http_method", "HEAD"}});
  EXPECT_EQ(refusal(Kind::healthmonitor, b), "");
}

TEST(ValidateHealthMonitor, BadBodies) {
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, monitor("TLS-HELLO")), "not supported"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, monitor("SCTP")), "not supported"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, monitor("TCP", 3, 5)), "less than or equal to its delay"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, monitor("TCP", 0, 0)), "between 1 and 86400"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("TCP"), {{"max_retries", 11}})), "between 1 and 10"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("TCP"), {{"url_path", "/x"}})), "only to HTTP and HTTPS"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("HTTP"), {{"expected_codes", "2xx"}})), "status code"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("HTTP"), {{"url_path", "no-slash"}})), "starting with /"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("HTTP"), {{"http_method", "FETCH"}})), "must be one of"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("HTTP"), {{"http_version", 2.0}})), "1.0 or 1.1"));
  // A domain_name without http_version 1.1:
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("HTTP"), {{"domain_name", "www.example.com"}})),
                   "needs http_version 1.1"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, with(monitor("HTTP"), {{"domain_name", "bad_name!"}})), "host name"));
  // An update cannot break the timeout <= delay rule either.
  json stored = *validate_healthmonitor(monitor("TCP", 5, 3), nullptr);
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, {{"delay", 2}}, &stored), "less than or equal to its delay"));
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, {{"type", "HTTP"}}, &stored), "cannot be changed"));
}

// Bodies off the wire hold non-negative numbers as unsigned, which built-in
// literals above do not: both lower and upper bounds must hold for them too.
TEST(Fields, NumbersParsedFromTextAreRangeChecked) {
  auto body = [](const std::string& port) {
    return json::parse(R"({"address": "10.0.0.1", "protocol_port": )" + port + "}");
  };
  EXPECT_TRUE(says(refusal(Kind::member, body("0")), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::member, body("18446744073709551615")), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::member, body("-9223372036854775808")), "between 1 and 65535"));
  EXPECT_TRUE(says(refusal(Kind::member, body("1e3")), "must be an integer"));
  EXPECT_EQ(refusal(Kind::member, body("65535")), "");
  EXPECT_TRUE(says(refusal(Kind::healthmonitor, json::parse(R"({"type": "TCP", "delay": 0, "timeout": 0,
      "max_retries": 0, "pool_id": "6f1d4c1e-8a43-4f0e-9b1e-2b8c7f0a9d11"})")), "between 1 and"));
}

TEST(Fields, Uuids) {
  EXPECT_TRUE(is_uuid(kUuid));
  EXPECT_TRUE(is_uuid("6f1d4c1e8a434f0e9b1e2b8c7f0a9d11"));
  EXPECT_FALSE(is_uuid("6f1d4c1e-8a43-4f0e-9b1e-2b8c7f0a9d1"));
  EXPECT_FALSE(is_uuid("6f1d4c1e-8a43-4f0e-9b1e_2b8c7f0a9d11"));
  EXPECT_FALSE(is_uuid("zf1d4c1e-8a43-4f0e-9b1e-2b8c7f0a9d11"));
}

}  // namespace
}  // namespace xlb::controller
