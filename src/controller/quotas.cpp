#include "controller/quotas.h"

#include "controller/schema.h"
#include "controller/service.h"

namespace xlb::controller {

namespace {

constexpr const char* kQuotaNames[] = {"loadbalancer", "listener", "pool", "member", "healthmonitor", "l7policy",
                                       "l7rule"};
constexpr int64_t kMaxQuota = 2147483647;

std::string canonical_name(const std::string& key) {
  if (key == "load_balancer") return "loadbalancer";
  if (key == "health_monitor") return "healthmonitor";
  return key;
}

}  // namespace

Result<QuotaStore> QuotaStore::open(const std::string& db_path) {
  auto db = sqlite::Database::open(db_path);
  if (!db) return db.error();
  // The table comes from the schema's migrations like every other; a no-op
  // when the revision store opened the file first, as the controller does.
  if (auto st = migrate(*db, schema_migrations()); !st) return st.error();
  QuotaStore store(std::move(*db));
  auto rows = sqlite::Statement::prepare(store.db_, "SELECT project_id, quota FROM xlb_quotas");
  if (!rows) return rows.error();
  while (true) {
    auto more = rows->step();
    if (!more) return more.error();
    if (!*more) break;
    json quota = json::parse(rows->column_text(1), nullptr, false);
    if (!quota.is_object()) return Error{"xlb_quotas: the quota of " + rows->column_text(0) + " is not a JSON object"};
    store.quotas_[rows->column_text(0)] = std::move(quota);
  }
  return store;
}

json QuotaStore::defaults() {
  json out = json::object();
  for (const char* name : kQuotaNames) out[name] = -1;
  return out;
}

json QuotaStore::effective(const std::string& project_id) const {
  json out = defaults();
  if (auto it = quotas_.find(project_id); it != quotas_.end())
    for (const auto& [key, value] : it->second.items()) out[key] = value;
  return out;
}

Status QuotaStore::write(const std::string& project_id) {
  auto it = quotas_.find(project_id);
  auto stmt = sqlite::Statement::prepare(
      db_, it == quotas_.end() ? "DELETE FROM xlb_quotas WHERE project_id = ?1"
                               : "INSERT INTO xlb_quotas (project_id, quota) VALUES (?1, ?2) "
                                 "ON CONFLICT(project_id) DO UPDATE SET quota = excluded.quota");
  if (!stmt) return stmt.error();
  stmt->bind(1, project_id);
  if (it != quotas_.end()) stmt->bind(2, it->second.dump());
  auto done = stmt->step();
  if (!done) return done.error();
  return {};
}

Status QuotaStore::update(const std::string& project_id, const json& values) {
  const std::map<std::string, json> before = quotas_;
  json& own = quotas_[project_id];
  if (!own.is_object()) own = json::object();
  for (const auto& [key, value] : values.items()) {
    if (value.is_null())
      own.erase(key);
    else
      own[key] = value;
  }
  if (own.empty()) quotas_.erase(project_id);
  auto st = write(project_id);
  if (!st) quotas_ = before;  // a refused write changes nothing
  return st;
}

Status QuotaStore::reset(const std::string& project_id) {
  const std::map<std::string, json> before = quotas_;
  quotas_.erase(project_id);
  auto st = write(project_id);
  if (!st) quotas_ = before;
  return st;
}

Outcome<json> read_quota_body(const json& body) {
  if (!body.is_object() || body.size() != 1 || !body.contains("quota") || !body["quota"].is_object())
    return bad_request("The request body must be a JSON object {\"quota\": {...}}");
  json out = json::object();
  for (const auto& [raw_key, value] : body["quota"].items()) {
    const std::string key = canonical_name(raw_key);
    bool known = false;
    for (const char* name : kQuotaNames) known = known || key == name;
    if (!known) return bad_request("Invalid input for field/attribute " + raw_key + ": unknown quota");
    if (!value.is_null() &&
        (!value.is_number_integer() || value.get<int64_t>() < -1 || value.get<int64_t>() > kMaxQuota))
      return bad_request("Invalid input for field/attribute " + raw_key + ". Value: " + value.dump() +
                         ". Must be an integer from -1 (no limit) to " + std::to_string(kMaxQuota) + ", or null");
    out[key] = value;
  }
  return out;
}

std::optional<std::string> owning_project(Kind k, const json& body, const std::string& pool_id,
                                          const Identity& who, const Service& service) {
  auto project_of = [&](Kind pk, const json& id) -> std::optional<std::string> {
    if (!id.is_string()) return std::nullopt;
    const json* parent = service.visible(pk, id.get<std::string>(), who);
    if (!parent) return std::nullopt;
    return parent->at("project_id").get<std::string>();
  };
  switch (k) {
    case Kind::loadbalancer:
      return body.contains("project_id") && body["project_id"].is_string() ? body["project_id"].get<std::string>()
                                                                            : who.project_id;
    case Kind::listener:
      return project_of(Kind::loadbalancer, body.value("loadbalancer_id", json()));
    case Kind::pool:
      if (body.contains("listener_id") && !body["listener_id"].is_null())
        return project_of(Kind::listener, body["listener_id"]);
      return project_of(Kind::loadbalancer, body.value("loadbalancer_id", json()));
    case Kind::member:
      return project_of(Kind::pool, json(pool_id));
    case Kind::healthmonitor:
      return project_of(Kind::pool, body.value("pool_id", json()));
  }
  return std::nullopt;
}

std::optional<Fault> check_quota(Kind k, const std::string& project, const State& state, const QuotaStore& quotas) {
  const json limit = quotas.effective(project).at(std::string(names(k).singular));
  if (!limit.is_number_integer() || limit.get<int64_t>() < 0) return std::nullopt;
  int64_t used = 0;
  for (const auto& [id, record] : state.collection(k).items()) {
    if (record.value("project_id", "") == project) ++used;
  }
  if (used < limit.get<int64_t>()) return std::nullopt;
  return Fault{403, "Quota has been met for resources: " + std::string(names(k).label)};
}

}  // namespace xlb::controller
