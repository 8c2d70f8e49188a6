#include "controller/render.h"

#include "controller/node_state.h"
#include "controller/validate.h"

namespace xlb::controller {

namespace {

// [{"id": ...}] of the records of kind k whose `key` is `value`.
json id_list(const State& s, Kind k, std::string_view key, const std::string& value) {
  json out = json::array();
  for (const json* r : s.children(k, key, value)) out.push_back({{"id", r->at("id")}});
  return out;
}

json id_only(const json& id) { return id.is_null() ? json::array() : json::array({{{"id", id}}}); }

// Keys of a record that the wire shows exactly as stored.
void copy(json& out, const json& record, std::initializer_list<const char*> keys) {
  for (const char* k : keys) out[k] = record.at(k);
}

}  // namespace

std::string provisioning_status(Kind k, const json& record, const State& s, const Statuses* statuses) {
  if (!statuses) return "ACTIVE";
  return statuses->provisioning(loadbalancer_of(k, record, s), s);
}

namespace {

bool monitored(const json& pool, const State& s) {
  auto monitors = s.children(Kind::healthmonitor, "pool_id", pool.at("id").get<std::string>());
  return !monitors.empty() && monitors.front()->at("admin_state_up").get<bool>();
}

std::string pool_status(const json& pool, const State& s, const Statuses* statuses) {
  size_t probed = 0, down = 0;
  for (const json* m : s.children(Kind::member, "pool_id", pool.at("id").get<std::string>())) {
    const std::string st = operating_status(Kind::member, *m, s, statuses);
    if (st == "ONLINE" || st == "ERROR") ++probed;
    if (st == "ERROR") ++down;
  }
  if (down == 0) return "ONLINE";
  return down == probed ? "ERROR" : "DEGRADED";
}

}  // namespace

std::string operating_status(Kind k, const json& record, const State& s, const Statuses* statuses) {
  if (!record.at("admin_state_up").get<bool>()) return "OFFLINE";
  switch (k) {
    case Kind::member: {
      const json* pool = s.find(Kind::pool, record.at("pool_id").get<std::string>());
      if (!statuses || !pool || !monitored(*pool, s)) return "NO_MONITOR";
      auto health = statuses->member_health(record, s);
      return !health ? "NO_MONITOR" : *health == "up" ? "ONLINE" : "ERROR";
    }
    case Kind::pool:
      return pool_status(record, s, statuses);
    case Kind::listener: {
      const json& pool_id = record.at("default_pool_id");
      const json* pool = pool_id.is_null() ? nullptr : s.find(Kind::pool, pool_id.get<std::string>());
      return pool ? operating_status(Kind::pool, *pool, s, statuses) : "ONLINE";
    }
    case Kind::loadbalancer: {
      size_t listeners = 0, failing = 0, degraded = 0;
      for (const json* l : s.children(Kind::listener, "loadbalancer_id", record.at("id").get<std::string>())) {
        const std::string st = operating_status(Kind::listener, *l, s, statuses);
        ++listeners;
        if (st == "ERROR") ++failing;
        if (st == "DEGRADED") ++degraded;
      }
      if (failing > 0 && failing == listeners) return "ERROR";
      return failing + degraded > 0 ? "DEGRADED" : "ONLINE";
    }
    case Kind::healthmonitor:
      return "ONLINE";
  }
  return "ONLINE";
}

json render(Kind k, const json& r, const State& s, const Statuses* statuses) {
  json out = json::object();
  copy(out, r, {"id", "project_id", "admin_state_up", "tags", "created_at", "updated_at", "name"});
  out["provisioning_status"] = provisioning_status(k, r, s, statuses);
  out["operating_status"] = operating_status(k, r, s, statuses);
  const std::string& id = r.at("id").get_ref<const std::string&>();
  switch (k) {
    case Kind::loadbalancer:
      copy(out, r, {"description", "vip_address", "vip_subnet_id", "vip_network_id", "vip_port_id",
                    "vip_qos_policy_id", "provider"});
      out["tenant_id"] = r.at("project_id");
      out["listeners"] = id_list(s, Kind::listener, "loadbalancer_id", id);
      out["pools"] = id_list(s, Kind::pool, "loadbalancer_id", id);
      out["flavor_id"] = nullptr;
      out["availability_zone"] = nullptr;
      out["additional_vips"] = json::array();
      break;
    case Kind::listener:
      copy(out, r, {"description", "protocol", "protocol_port", "connection_limit", "default_pool_id",
                    "timeout_client_data", "timeout_member_connect", "timeout_member_data", "timeout_tcp_inspect",
                    "allowed_cidrs"});
      out["tenant_id"] = r.at("project_id");
      out["loadbalancers"] = id_only(r.at("loadbalancer_id"));
      out["l7policies"] = json::array();
      out["insert_headers"] = json::object();
      out["sni_container_refs"] = json::array();
      out["default_tls_container_ref"] = nullptr;
      out["client_ca_tls_container_ref"] = nullptr;
      out["client_crl_container_ref"] = nullptr;
      out["client_authentication"] = "NONE";
      out["tls_ciphers"] = nullptr;
      out["tls_versions"] = nullptr;
      out["alpn_protocols"] = nullptr;
      break;
    case Kind::pool: {
      copy(out, r, {"description", "protocol", "lb_algorithm"});
      out["tenant_id"] = r.at("project_id");
      out["loadbalancers"] = id_only(r.at("loadbalancer_id"));
      out["listeners"] = id_list(s, Kind::listener, "default_pool_id", id);
      out["members"] = id_list(s, Kind::member, "pool_id", id);
      auto monitors = s.children(Kind::healthmonitor, "pool_id", id);
      out["healthmonitor_id"] = monitors.empty() ? json() : monitors.front()->at("id");
      out["session_persistence"] = nullptr;
      out["tls_enabled"] = false;
      out["tls_container_ref"] = nullptr;
      out["ca_tls_container_ref"] = nullptr;
      out["crl_container_ref"] = nullptr;
      out["tls_ciphers"] = nullptr;
      out["tls_versions"] = nullptr;
      out["alpn_protocols"] = nullptr;
      break;
    }
    case Kind::member:
      copy(out, r, {"address", "protocol_port", "weight", "backup", "subnet_id", "monitor_address", "monitor_port"});
      out["vnic_type"] = "normal";
      break;
    case Kind::healthmonitor:
      copy(out, r, {"type", "delay", "timeout", "max_retries", "max_retries_down", "http_method", "url_path",
                    "expected_codes", "http_version", "domain_name"});
      out["pools"] = id_only(r.at("pool_id"));
      break;
  }
  return out;
}

const json& example(Kind k) {
  static const std::array<json, kKinds.size()> examples = [] {
    const std::string zero = "00000000-0000-0000-0000-000000000000";
    const std::array<json, kKinds.size()> bodies = {
        json{{"vip_address", "192.0.2.1"}},
        json{{"protocol", "TCP"}, {"protocol_port", 1}, {"loadbalancer_id", zero}},
        json{{"protocol", "TCP"}, {"lb_algorithm", "SOURCE_IP"}, {"loadbalancer_id", zero}},
        json{{"address", "192.0.2.1"}, {"protocol_port", 1}},
        json{{"type", "TCP"}, {"delay", 1}, {"timeout", 1}, {"max_retries", 1}, {"pool_id", zero}}};
    std::array<json, kKinds.size()> out;
    for (const auto& names : kKinds) {
      const auto i = static_cast<size_t>(names.kind);
      json record = validate(names.kind, bodies[i], nullptr).value();
      record.update({{"id", zero}, {"project_id", "p"}, {"created_at", ""}, {"updated_at", nullptr}});
      if (names.kind == Kind::member) record["pool_id"] = zero;
      out[i] = render(names.kind, record, State());
    }
    return out;
  }();
  return examples[static_cast<size_t>(k)];
}

json status_tree(const json& lb, const State& s, const Statuses* statuses) {
  auto node = [&](Kind k, const json& r) {
    return json{{"id", r.at("id")},
                {"name", r.at("name").is_null() ? json("") : r.at("name")},
                {"provisioning_status", provisioning_status(k, r, s, statuses)},
                {"operating_status", operating_status(k, r, s, statuses)}};
  };
  auto pool_node = [&](const json& pool) {
    json p = node(Kind::pool, pool);
    const std::string& pid = pool.at("id").get_ref<const std::string&>();
    p["members"] = json::array();
    for (const json* m : s.children(Kind::member, "pool_id", pid)) {
      json mn = node(Kind::member, *m);
      mn["address"] = m->at("address");
      mn["protocol_port"] = m->at("protocol_port");
      p["members"].push_back(std::move(mn));
    }
    auto monitors = s.children(Kind::healthmonitor, "pool_id", pid);
    if (!monitors.empty()) {
      json h = node(Kind::healthmonitor, *monitors.front());
      h["type"] = monitors.front()->at("type");
      p["health_monitor"] = std::move(h);
    }
    return p;
  };
  json tree = node(Kind::loadbalancer, lb);
  tree["listeners"] = json::array();
  const std::string& lb_id = lb.at("id").get_ref<const std::string&>();
  for (const json* l : s.children(Kind::listener, "loadbalancer_id", lb_id)) {
    json ln = node(Kind::listener, *l);
    ln["pools"] = json::array();
    if (const json& pid = l->at("default_pool_id"); !pid.is_null()) {
      if (const json* pool = s.find(Kind::pool, pid.get<std::string>())) ln["pools"].push_back(pool_node(*pool));
    }
    tree["listeners"].push_back(std::move(ln));
  }
  // Pools no listener uses yet still show, under the load balancer.
  tree["pools"] = json::array();
  for (const json* p : s.children(Kind::pool, "loadbalancer_id", lb_id)) {
    if (s.children(Kind::listener, "default_pool_id", p->at("id").get<std::string>()).empty())
      tree["pools"].push_back(pool_node(*p));
  }
  return {{"statuses", {{"loadbalancer", std::move(tree)}}}};
}

}  // namespace xlb::controller
