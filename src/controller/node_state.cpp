#include "controller/node_state.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace xlb::controller {

namespace {

const std::string& text(const json& record, const char* key) { return record.at(key).get_ref<const std::string&>(); }

constexpr int64_t kMaxIntervalSeconds = 3600;  // the agent's check interval limit
constexpr int64_t kMaxWeight = 65535;

// The agent's health_check for an Octavia monitor on a pool of this
// protocol, or null when the L4 tier cannot run that check (none that
// validation lets through: service.cpp, monitor_fits_pool). A TCP or HTTP
// monitor of a UDP pool probes over TCP at each member's monitor_port (its
// protocol_port when unset), as Octavia does.
json health_check_of(const json& monitor, const std::string& pool_protocol) {
  const std::string& type = text(monitor, "type");
  const bool udp_pool = pool_protocol == "UDP";
  std::string kind;
  if (type == "UDP-CONNECT" && udp_pool) kind = "udp";
  else if (type == "TCP") kind = "tcp";
  else if (type == "HTTP") kind = "http";
  else if (type == "HTTPS" && !udp_pool) kind = "https";
  else if (type == "PING") kind = "ping";
  else return nullptr;
  const int64_t delay = std::min(monitor.at("delay").get<int64_t>(), kMaxIntervalSeconds);
  const int64_t timeout = std::min(monitor.at("timeout").get<int64_t>(), delay);
  json check = {{"type", kind},
                {"interval_ms", delay * 1000},
                {"timeout_ms", timeout * 1000},
                {"rise", monitor.at("max_retries")},
                {"fall", monitor.at("max_retries_down").is_null() ? json(3) : monitor.at("max_retries_down")}};
  if (kind == "http" || kind == "https") {
    if (!monitor.at("url_path").is_null()) check["path"] = monitor.at("url_path");
    if (!monitor.at("expected_codes").is_null()) check["expect_status"] = monitor.at("expected_codes");
    if (!monitor.at("domain_name").is_null()) check["host"] = monitor.at("domain_name");
  }
  return check;
}

// Members of a pool as backends, one per address: the data plane knows a
// backend by its address alone, so members that differ only in port share
// one backend (weights added, probed at the oldest one's port, a backup
// when all of them are). Backends
// come in the text order of their addresses, so the same members always
// give the same list.
json backends_of(const State& s, const std::string& pool_id) {
  std::map<std::string, json> by_address;
  auto members = s.children(Kind::member, "pool_id", pool_id);
  std::stable_sort(members.begin(), members.end(), [](const json* a, const json* b) {
    return a->value("created_revision", int64_t{0}) < b->value("created_revision", int64_t{0});
  });
  for (const json* m : members) {
    const std::string& address = text(*m, "address");
    const bool up = m->at("admin_state_up").get<bool>();
    auto it = by_address.find(address);
    if (it == by_address.end()) {
      json b = {{"address", address},
                {"weight", up ? m->at("weight").get<int64_t>() : 0},
                {"state", up ? "active" : "down"},
                {"monitor_port", m->at("monitor_port").is_null() ? m->at("protocol_port") : m->at("monitor_port")}};
      if (!m->at("monitor_address").is_null()) b["monitor_address"] = m->at("monitor_address");
      if (m->value("backup", false)) b["backup"] = true;
      by_address.emplace(address, std::move(b));
      continue;
    }
    json& b = it->second;
    if (!m->value("backup", false)) b.erase("backup");  // a backup only if all its members are
    if (up) {
      b["weight"] = std::min(kMaxWeight, b["weight"].get<int64_t>() + m->at("weight").get<int64_t>());
      b["state"] = "active";
    }
  }
  json out = json::array();
  for (auto& [address, backend] : by_address) out.push_back(std::move(backend));
  return out;
}

json listener_vip(const State& s, const json& lb, const json& listener) {
  std::string protocol = text(listener, "protocol");
  std::transform(protocol.begin(), protocol.end(), protocol.begin(), [](unsigned char c) { return std::tolower(c); });
  json vip = {{"name", listener.at("id")},
              {"address", lb.at("vip_address")},
              {"port", listener.at("protocol_port")},
              {"protocol", protocol},
              {"backends", json::array()}};
  // Enforced by the node's data plane: other sources are dropped and counted.
  if (const json& cidrs = listener.at("allowed_cidrs"); cidrs.is_array() && !cidrs.empty())
    vip["allowed_cidrs"] = cidrs;
  const json& pool_id = listener.at("default_pool_id");
  if (pool_id.is_null()) return vip;
  const json* pool = s.find(Kind::pool, pool_id.get<std::string>());
  if (!pool || !pool->at("admin_state_up").get<bool>()) return vip;  // a disabled pool serves nobody
  vip["hash"] = text(*pool, "lb_algorithm") == "SOURCE_IP" ? "source" : "5tuple";
  vip["backends"] = backends_of(s, pool_id.get<std::string>());
  auto monitors = s.children(Kind::healthmonitor, "pool_id", pool_id.get<std::string>());
  if (!monitors.empty() && monitors.front()->at("admin_state_up").get<bool>()) {
    json check = health_check_of(*monitors.front(), text(*pool, "protocol"));
    if (!check.is_null()) vip["health_check"] = std::move(check);
  }
  return vip;
}

json vips_of(const State& s, const json& lb) {
  json out = json::array();
  if (!lb.at("admin_state_up").get<bool>()) return out;
  for (const json* l : s.children(Kind::listener, "loadbalancer_id", text(lb, "id"))) {
    if (l->at("admin_state_up").get<bool>()) out.push_back(listener_vip(s, lb, *l));
  }
  return out;
}

}  // namespace

json node_state(const State& s, const std::string& group, int64_t revision) {
  json vips = json::array();
  for (const auto& [id, lb] : s.collection(Kind::loadbalancer).items()) {
    const auto it = lb.find(kPlacementGroup);
    if (it == lb.end() || !it->is_string() || *it != group) continue;
    for (json& v : vips_of(s, lb)) vips.push_back(std::move(v));
  }
  return {{"revision", revision}, {"group", group}, {"vips", std::move(vips)}};
}

json loadbalancer_projection(const State& s, const json& lb) {
  return {{"group", lb.value(kPlacementGroup, json())}, {"vips", vips_of(s, lb)}};
}

std::string loadbalancer_of(Kind k, const json& record, const State& s) {
  switch (k) {
    case Kind::loadbalancer:
      return text(record, "id");
    case Kind::listener:
    case Kind::pool:
      return record.at("loadbalancer_id").is_string() ? text(record, "loadbalancer_id") : "";
    case Kind::member:
    case Kind::healthmonitor: {
      const json* pool = s.find(Kind::pool, text(record, "pool_id"));
      return pool && pool->at("loadbalancer_id").is_string() ? text(*pool, "loadbalancer_id") : "";
    }
  }
  return "";
}

}  // namespace xlb::controller
