// Placement by capability and the per-node projection of the desired state:
// which group a load balancer lands on, what each node is told to serve,
// and how statuses follow what agents report.
#include <gtest/gtest.h>

#include "controller/agents.h"
#include "controller/node_state.h"
#include "controller/placement.h"
#include "controller/render.h"
#include "controller/statuses.h"
#include "controller/validate.h"

namespace xlb::controller {
namespace {

// A state built record by record, with the fields the service would add.
struct Builder {
  State s;
  int n = 0;
  std::string add(Kind k, json body, json extra = json::object()) {
    json record = validate(k, body, nullptr).value();
    const std::string id = "00000000-0000-4000-8000-" + std::string(11 - std::to_string(n).size(), '0') +
                           std::to_string(n) + "0";
    ++n;
    record.update({{"id", id}, {"project_id", "p"}, {"created_at", ""}, {"updated_at", nullptr},
                   {"created_revision", n}});
    record.update(extra);
    s.collection(k)[id] = record;
    return id;
  }
  std::string lb(const std::string& vip, const std::string& group = "") {
    json extra = json::object();
    if (!group.empty()) extra[kPlacementGroup] = group;
    return add(Kind::loadbalancer, {{"vip_address", vip}}, extra);
  }
  std::string listener(const std::string& lb_id, const std::string& protocol, int port) {
    return add(Kind::listener, {{"loadbalancer_id", lb_id}, {"protocol", protocol}, {"protocol_port", port}});
  }
  std::string pool(const std::string& lb_id, const std::string& listener_id, const std::string& protocol,
                   const std::string& algorithm) {
    auto id = add(Kind::pool, {{"loadbalancer_id", lb_id}, {"protocol", protocol}, {"lb_algorithm", algorithm}});
    s.collection(Kind::listener)[listener_id]["default_pool_id"] = id;
    return id;
  }
  std::string member(const std::string& pool_id, const std::string& address, int port, json more = json::object()) {
    json body = {{"address", address}, {"protocol_port", port}};
    body.update(more);
    return add(Kind::member, body, {{"pool_id", pool_id}});
  }
};

Groups groups(std::initializer_list<std::pair<std::string, Capabilities>> list) {
  Groups out;
  for (const auto& [name, caps] : list) out[name].capabilities = caps;
  return out;
}

TEST(Placement, NeedsFollowListenersAndTheVipFamily) {
  Builder b;
  auto v4 = b.lb("198.51.100.1");
  auto v6 = b.lb("2001:db8::1");
  EXPECT_EQ(needs(b.s, v4), Capabilities{});
  b.listener(v4, "TCP", 80);
  b.listener(v4, "UDP", 53);
  b.listener(v6, "TCP", 443);
  EXPECT_EQ(needs(b.s, v4), (Capabilities{"TCP", "UDP"}));
  EXPECT_EQ(needs(b.s, v6), (Capabilities{"IPv6", "TCP"}));
}

TEST(Placement, AGroupWithEveryNeededCapabilityTheLeastLoadedFirst) {
  const Groups g = groups({{"a", {"TCP"}}, {"b", {"TCP", "UDP"}}, {"c", {"TCP", "UDP", "IPv6"}}});
  EXPECT_EQ(*choose_group({"TCP"}, g, "", "x"), "a");  // all equal: by name
  EXPECT_EQ(*choose_group({"TCP", "UDP"}, g, "", "x"), "b");
  EXPECT_EQ(*choose_group({"IPv6", "TCP"}, g, "", "x"), "c");
  // Stays where it is while that group can serve it.
  EXPECT_EQ(*choose_group({"TCP"}, g, "c", "x"), "c");
  // Moves when its group no longer can.
  EXPECT_EQ(*choose_group({"TCP", "UDP"}, g, "a", "x"), "b");
  Groups loaded = g;
  loaded["a"].loadbalancers = 3;
  loaded["b"].loadbalancers = 1;
  loaded["c"].loadbalancers = 1;
  EXPECT_EQ(*choose_group({"TCP"}, loaded, "", "x"), "b");
  auto none = choose_group({"IPv6", "UDP"}, groups({{"a", {"TCP"}}, {"b", {"TCP", "UDP"}}}), "", "lb-1");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.fault().status, 400u);
  EXPECT_EQ(none.fault().message,
            "No L4 node group can serve Load Balancer lb-1: it needs IPv6, UDP, and the groups offer: a (TCP); b (TCP, UDP)");
}

TEST(Placement, AGroupOffersWhatAllItsAgentsOffer) {
  Agents agents = Agents::in_memory();
  ASSERT_TRUE(agents.enroll("n1", {{"group", "g"}, {"capabilities", {"TCP", "UDP"}}}, "198.18.1.2").ok());
  ASSERT_TRUE(agents.enroll("n2", {{"group", "g"}, {"capabilities", {"TCP"}}}, "198.18.1.3").ok());
  ASSERT_TRUE(agents.enroll("n3", {{"group", "h"}, {"capabilities", {"TCP", "IPv6"}}}, "").ok());
  const Groups g = agents.groups();
  EXPECT_EQ(g.at("g").capabilities, Capabilities{"TCP"});
  EXPECT_EQ(g.at("h").capabilities, (Capabilities{"IPv6", "TCP"}));
  EXPECT_EQ(agents.find("n1")->address, "198.18.1.2");
  EXPECT_FALSE(agents.enroll("n4", {{"group", "g"}, {"capabilities", {"SCTP"}}}, "").ok());
  EXPECT_FALSE(agents.enroll("n/4", {{"group", "g"}}, "").ok());
}

TEST(Placement, PlaceWritesTheGroupIntoTheRecordAndNothingWithoutAgents) {
  Builder b;
  auto lb = b.lb("198.51.100.1");
  b.listener(lb, "UDP", 53);
  ASSERT_TRUE(place(b.s, lb, {}).ok());
  EXPECT_FALSE(b.s.find(Kind::loadbalancer, lb)->contains(kPlacementGroup));
  ASSERT_TRUE(place(b.s, lb, groups({{"tcp", {"TCP"}}, {"udp", {"TCP", "UDP"}}})).ok());
  EXPECT_EQ(b.s.find(Kind::loadbalancer, lb)->at(kPlacementGroup), "udp");
  EXPECT_FALSE(place(b.s, lb, groups({{"tcp", {"TCP"}}})).ok());
}

TEST(NodeState, OnlyTheGroupsEnabledListenersResolvedForTheDataPlane) {
  Builder b;
  auto lb = b.lb("198.51.100.1", "g");
  auto web = b.listener(lb, "TCP", 80);
  auto pool = b.pool(lb, web, "TCP", "SOURCE_IP");
  b.member(pool, "198.18.11.2", 8080, {{"weight", 3}});
  b.member(pool, "198.18.12.2", 8080, {{"admin_state_up", false}, {"monitor_address", "198.18.22.2"}});
  b.member(pool, "198.18.11.2", 8081, {{"weight", 2}});  // same backend, another port
  b.add(Kind::healthmonitor, {{"pool_id", pool}, {"type", "TCP"}, {"delay", 5}, {"timeout", 2}, {"max_retries", 2}});
  auto dns = b.listener(lb, "UDP", 53);
  auto off = b.listener(lb, "TCP", 81);
  b.s.collection(Kind::listener)[off]["admin_state_up"] = false;
  auto elsewhere = b.lb("198.51.100.2", "h");
  b.listener(elsewhere, "TCP", 80);

  const json got = node_state(b.s, "g", 7);
  EXPECT_EQ(got.at("revision"), 7);
  EXPECT_EQ(got.at("group"), "g");
  const json want = json::parse(R"([
    {"name": ")" + web + R"(", "address": "198.51.100.1", "port": 80, "protocol": "tcp", "hash": "source",
     "health_check": {"type": "tcp", "interval_ms": 5000, "timeout_ms": 2000, "rise": 2, "fall": 3},
     "backends": [{"address": "198.18.11.2", "weight": 5, "state": "active", "monitor_port": 8080},
                  {"address": "198.18.12.2", "weight": 0, "state": "down", "monitor_port": 8080,
                   "monitor_address": "198.18.22.2"}]},
    {"name": ")" + dns + R"(", "address": "198.51.100.1", "port": 53, "protocol": "udp", "backends": []}])");
  EXPECT_EQ(got.at("vips"), want);
  EXPECT_EQ(node_state(b.s, "h", 7).at("vips").size(), 1u);
  EXPECT_TRUE(node_state(b.s, "nobody", 7).at("vips").empty());
  b.s.collection(Kind::loadbalancer)[lb]["admin_state_up"] = false;
  EXPECT_TRUE(node_state(b.s, "g", 8).at("vips").empty());
}

TEST(NodeState, EveryMonitorAUdpPoolMayHaveBecomeACheck) {
  Builder b;
  auto lb = b.lb("198.51.100.1", "g");
  auto udp = b.listener(lb, "UDP", 53);
  auto pool = b.pool(lb, udp, "UDP", "SOURCE_IP_PORT");
  b.member(pool, "198.18.11.2", 53);
  auto hm = b.add(Kind::healthmonitor, {{"pool_id", pool}, {"type", "PING"}, {"delay", 5}, {"timeout", 2}, {"max_retries", 2}});
  auto check_type = [&] { return node_state(b.s, "g", 1).at("vips")[0].at("health_check").at("type"); };
  EXPECT_EQ(check_type(), "ping");
  b.s.collection(Kind::healthmonitor)[hm]["type"] = "UDP-CONNECT";
  EXPECT_EQ(check_type(), "udp");
  // Over TCP at the member's monitor_port (its protocol_port here), as Octavia does.
  b.s.collection(Kind::healthmonitor)[hm]["type"] = "TCP";
  EXPECT_EQ(check_type(), "tcp");
  EXPECT_EQ(node_state(b.s, "g", 1).at("vips")[0].at("backends")[0].at("monitor_port"), 53);
  // What validation refuses (service.cpp) is left out rather than guessed at.
  b.s.collection(Kind::healthmonitor)[hm]["type"] = "HTTPS";
  EXPECT_FALSE(node_state(b.s, "g", 1).at("vips")[0].contains("health_check"));
}

TEST(NodeState, AllowedCidrsGoToTheNodeOnlyWhenSet) {
  Builder b;
  auto lb = b.lb("198.51.100.1", "g");
  auto web = b.listener(lb, "TCP", 80);
  EXPECT_FALSE(node_state(b.s, "g", 1).at("vips")[0].contains("allowed_cidrs"));
  b.s.collection(Kind::listener)[web]["allowed_cidrs"] = {"192.0.2.0/24", "203.0.113.7/32"};
  EXPECT_EQ(node_state(b.s, "g", 1).at("vips")[0].at("allowed_cidrs"), json({"192.0.2.0/24", "203.0.113.7/32"}));
}

TEST(Statuses, ProvisioningFollowsWhatTheGroupApplied) {
  Agents agents = Agents::in_memory();
  Statuses st(agents);
  Builder b;
  auto lb = b.lb("198.51.100.1", "g");
  // No agent at all: a change counts as applied.
  EXPECT_EQ(st.provisioning(lb, b.s), "ACTIVE");
  ASSERT_TRUE(agents.enroll("n1", {{"group", "g"}, {"capabilities", {"TCP"}}}, "").ok());
  st.committed(State(), b.s, 1);
  EXPECT_EQ(st.provisioning(lb, b.s), "PENDING_CREATE");
  ASSERT_TRUE(agents.report("n1", {{"applied_revision", 1}}).ok());
  EXPECT_EQ(st.provisioning(lb, b.s), "ACTIVE");
  // A change elsewhere does not make it pending.
  State before = b.s;
  b.lb("198.51.100.2", "g");
  st.committed(before, b.s, 2);
  EXPECT_EQ(st.provisioning(lb, b.s), "ACTIVE");
  before = b.s;
  b.listener(lb, "TCP", 80);
  st.committed(before, b.s, 3);
  EXPECT_EQ(st.provisioning(lb, b.s), "PENDING_UPDATE");
  ASSERT_TRUE(agents.report("n1", {{"applied_revision", 2}, {"error", "no room"}, {"error_revision", 3}}).ok());
  EXPECT_EQ(st.provisioning(lb, b.s), "ERROR");
  EXPECT_EQ(agents.status(*agents.find("n1")), "ERROR");
  ASSERT_TRUE(agents.report("n1", {{"applied_revision", 3}}).ok());
  EXPECT_EQ(st.provisioning(lb, b.s), "ACTIVE");
}

TEST(Statuses, OperatingStatusFollowsReportedHealth) {
  Agents agents = Agents::in_memory();
  Statuses st(agents);
  Builder b;
  auto lb = b.lb("198.51.100.1", "g");
  auto l = b.listener(lb, "TCP", 80);
  auto pool = b.pool(lb, l, "TCP", "SOURCE_IP_PORT");
  auto m1 = b.member(pool, "198.18.11.2", 80);
  auto m2 = b.member(pool, "198.18.12.2", 80);
  const json& r1 = *b.s.find(Kind::member, m1);
  EXPECT_EQ(operating_status(Kind::member, r1, b.s, &st), "NO_MONITOR");
  b.add(Kind::healthmonitor, {{"pool_id", pool}, {"type", "TCP"}, {"delay", 5}, {"timeout", 2}, {"max_retries", 2}});
  ASSERT_TRUE(agents.enroll("n1", {{"group", "g"}, {"capabilities", {"TCP"}}}, "").ok());
  EXPECT_EQ(operating_status(Kind::member, r1, b.s, &st), "NO_MONITOR");  // not probed yet
  ASSERT_TRUE(agents.report("n1", {{"health", {{{"listener_id", l}, {"address", "198.18.11.2"}, {"status", "up"}},
                                               {{"listener_id", l}, {"address", "198.18.12.2"}, {"status", "down"}}}}})
                  .ok());
  EXPECT_EQ(operating_status(Kind::member, r1, b.s, &st), "ONLINE");
  EXPECT_EQ(operating_status(Kind::member, *b.s.find(Kind::member, m2), b.s, &st), "ERROR");
  EXPECT_EQ(operating_status(Kind::pool, *b.s.find(Kind::pool, pool), b.s, &st), "DEGRADED");
  EXPECT_EQ(operating_status(Kind::loadbalancer, *b.s.find(Kind::loadbalancer, lb), b.s, &st), "DEGRADED");
  ASSERT_TRUE(agents.report("n1", {{"health", {{{"listener_id", l}, {"address", "198.18.11.2"}, {"status", "down"}},
                                               {{"listener_id", l}, {"address", "198.18.12.2"}, {"status", "down"}}}}})
                  .ok());
  EXPECT_EQ(operating_status(Kind::pool, *b.s.find(Kind::pool, pool), b.s, &st), "ERROR");
  EXPECT_EQ(operating_status(Kind::loadbalancer, *b.s.find(Kind::loadbalancer, lb), b.s, &st), "ERROR");
}

}  // namespace
}  // namespace xlb::controller
