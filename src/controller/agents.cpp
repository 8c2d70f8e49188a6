#include "controller/agents.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "common/logging.h"
#include "controller/service.h"

namespace xlb::controller {

bool is_agent_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '-' || c == '_';
         });
}

namespace {

Outcome<std::string> string_of(const json& body, const char* key, bool required, size_t max) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return bad_request(std::string("Missing field: ") + key);
    return std::string();
  }
  if (!it->is_string() || it->get_ref<const std::string&>().size() > max)
    return bad_request(std::string("Invalid input for field/attribute ") + key + ": a string of up to " +
                       std::to_string(max) + " characters");
  return it->get<std::string>();
}

}  // namespace

Result<Agents> Agents::open(const std::string& path, std::chrono::seconds offline_after) {
  auto db = sqlite::Database::open(path);
  if (!db) return db.error();
  Agents out(std::move(*db), offline_after);
  if (auto st = out.load(); !st) return st.error().context("reading the registered agents");
  return out;
}

Agents Agents::in_memory(std::chrono::seconds offline_after) { return Agents(std::nullopt, offline_after); }

Status Agents::load() {
  auto st = sqlite::Statement::prepare(
      *db_, "SELECT name, role, grp, capabilities, version, address, registered_at FROM agents ORDER BY name");
  if (!st) return st.error();
  while (true) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    AgentInfo a{st->column_text(0), st->column_text(1), st->column_text(2), {}, st->column_text(4),
                st->column_text(5), st->column_text(6)};
    json caps = json::parse(st->column_text(3), nullptr, false);
    if (caps.is_array())
      for (const auto& c : caps)
        if (c.is_string()) a.capabilities.insert(c.get<std::string>());
    agents_.emplace(a.name, std::move(a));
  }
  return {};
}

Status Agents::save(const AgentInfo& a) {
  if (!db_) return {};
  auto st = sqlite::Statement::prepare(
      *db_,
      "INSERT INTO agents (name, role, grp, capabilities, version, address, registered_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET role = ?2, grp = ?3, "
      "capabilities = ?4, version = ?5, address = ?6");
  if (!st) return st.error();
  st->bind(1, a.name).bind(2, a.role).bind(3, a.group).bind(4, json(a.capabilities).dump());
  st->bind(5, a.version).bind(6, a.address).bind(7, a.registered_at);
  auto done = st->step();
  if (!done) return done.error();
  return {};
}

Outcome<const AgentInfo*> Agents::enroll(const std::string& name, const json& body, const std::string& peer) {
  if (!is_agent_name(name)) return bad_request("Invalid agent name " + name + ": 1 to 64 letters, digits, '.', '-', '_'");
  for (const auto& [key, value] : body.items()) {
    if (key != "role" && key != "group" && key != "capabilities" && key != "version" && key != "address")
      return bad_request("Unknown field: " + key + " (known: role, group, capabilities, version, address)");
  }
  AgentInfo next;
  if (auto it = agents_.find(name); it != agents_.end()) next = it->second;
  next.name = name;
  auto role = string_of(body, "role", false, 16);
  if (!role) return role.fault();
  if (!role->empty() && *role != "l4") return bad_request("Invalid role " + *role + ": only l4 agents exist so far");
  auto group = string_of(body, "group", true, 64);
  if (!group) return group.fault();
  if (!is_agent_name(*group)) return bad_request("Invalid group " + *group + ": 1 to 64 letters, digits, '.', '-', '_'");
  auto version = string_of(body, "version", false, 64);
  if (!version) return version.fault();
  auto address = string_of(body, "address", false, 64);
  if (!address) return address.fault();
  Capabilities caps;
  const json& c = body.contains("capabilities") ? body.at("capabilities") : json::array();
  if (!c.is_array()) return bad_request("capabilities must be a list such as [\"TCP\", \"UDP\", \"IPv6\"]");
  for (const auto& x : c) {
    if (!x.is_string() || !known_capabilities().count(x.get<std::string>()))
      return bad_request("Unknown capability " + x.dump() + " (known: " + join(known_capabilities()) + ")");
    caps.insert(x.get<std::string>());
  }
  next.role = "l4";
  next.group = *group;
  next.capabilities = std::move(caps);
  next.version = *version;
  next.address = address->empty() ? peer : *address;
  if (next.registered_at.empty()) next.registered_at = utc_now();
  if (auto st = save(next); !st) return Fault{500, "The agent could not be stored: " + st.error().message};
  auto& stored = agents_[name];
  const bool changed = stored.group != next.group || stored.capabilities != next.capabilities ||
                       stored.version != next.version || stored.address != next.address;
  stored = std::move(next);
  seen(stored);
  if (changed)
    spdlog::info("{}", event_line("agent_registered", {{"agent", name},
                                                       {"group", stored.group},
                                                       {"capabilities", join(stored.capabilities)},
                                                       {"version", stored.version},
                                                       {"address", stored.address}}));
  return &stored;
}

Checked Agents::report(const std::string& name, const json& body) {
  AgentInfo* a = find(name);
  if (!a) return not_found("Agent " + name + " is not registered");
  if (!body.is_object()) return bad_request("The status must be an object");
  for (const auto& [key, value] : body.items()) {
    // "stats" is the ListenerStats' to check and keep (agents_api.cpp).
    if (key != "applied_revision" && key != "error" && key != "error_revision" && key != "health" && key != "stats")
      return bad_request("Unknown field: " + key + " (known: applied_revision, error, error_revision, health, stats)");
  }
  auto revision = [&](const char* key) -> Outcome<std::optional<int64_t>> {
    if (!body.contains(key) || body.at(key).is_null()) return std::optional<int64_t>();
    if (!body.at(key).is_number_integer() || body.at(key).get<int64_t>() < 0)
      return bad_request(std::string(key) + " must be a revision number");
    return std::optional<int64_t>(body.at(key).get<int64_t>());
  };
  auto applied = revision("applied_revision");
  if (!applied) return applied.fault();
  auto failed = revision("error_revision");
  if (!failed) return failed.fault();
  auto error = string_of(body, "error", false, 4096);
  if (!error) return error.fault();
  std::map<std::pair<std::string, std::string>, std::string> health;
  if (body.contains("health")) {
    const json& h = body.at("health");
    if (!h.is_array()) return bad_request("health must be a list");
    for (const auto& e : h) {
      if (!e.is_object() || !e.contains("listener_id") || !e.contains("address") || !e.contains("status") ||
          !e.at("listener_id").is_string() || !e.at("address").is_string() || !e.at("status").is_string())
        return bad_request("Each health entry must be {\"listener_id\", \"address\", \"status\"}");
      const std::string& s = e.at("status").get_ref<const std::string&>();
      if (s != "up" && s != "down" && s != "unknown") return bad_request("A health status is up, down or unknown");
      health[{e.at("listener_id").get<std::string>(), e.at("address").get<std::string>()}] = s;
    }
  }
  if (*applied) a->applied_revision = **applied;
  if (a->error != *error)
    spdlog::log(error->empty() ? spdlog::level::info : spdlog::level::warn, "{}",
                event_line(error->empty() ? "agent_recovered" : "agent_error",
                           {{"agent", name}, {"error", *error}}));
  a->error = *error;
  a->error_revision = error->empty() ? std::nullopt : *failed;
  if (body.contains("health")) a->health = std::move(health);
  seen(*a);
  return Done{};
}

Checked Agents::forget(const std::string& name) {
  if (!agents_.count(name)) return not_found("Agent " + name + " is not registered");
  if (db_) {
    auto st = sqlite::Statement::prepare(*db_, "DELETE FROM agents WHERE name = ?1");
    if (!st) return Fault{500, st.error().message};
    st->bind(1, name);
    if (auto r = st->step(); !r) return Fault{500, r.error().message};
  }
  agents_.erase(name);
  spdlog::info("{}", event_line("agent_forgotten", {{"agent", name}}));
  return Done{};
}

AgentInfo* Agents::find(const std::string& name) {
  auto it = agents_.find(name);
  return it == agents_.end() ? nullptr : &it->second;
}

void Agents::seen(AgentInfo& a) {
  a.last_seen = Clock::now();
  a.last_seen_at = utc_now();
}

std::string Agents::status(const AgentInfo& a, Clock::time_point now) const {
  const bool here = a.polling > 0 || (a.last_seen && now - *a.last_seen <= offline_after_);
  if (!here) return "OFFLINE";
  return a.error.empty() ? "ONLINE" : "ERROR";
}

Groups Agents::groups() const {
  Groups out;
  for (const auto& [name, a] : agents_) {
    auto [it, fresh] = out.try_emplace(a.group);
    if (fresh) {
      it->second.capabilities = a.capabilities;
      continue;
    }
    Capabilities both;
    std::set_intersection(it->second.capabilities.begin(), it->second.capabilities.end(), a.capabilities.begin(),
                          a.capabilities.end(), std::inserter(both, both.begin()));
    it->second.capabilities = std::move(both);
  }
  return out;
}

json Agents::render(const AgentInfo& a) const {
  return {{"name", a.name},
          {"role", a.role},
          {"group", a.group},
          {"capabilities", json(a.capabilities)},
          {"version", a.version},
          {"address", a.address},
          {"registered_at", a.registered_at},
          {"applied_revision", a.applied_revision ? json(*a.applied_revision) : json()},
          {"last_seen", a.last_seen_at.empty() ? json() : json(a.last_seen_at)},
          {"error", a.error.empty() ? json() : json(a.error)},
          {"status", status(a)}};
}

}  // namespace xlb::controller
