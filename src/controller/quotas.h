// Octavia's quotas: per project, how many load balancers, listeners, pools,
// members and health monitors it may have (-1: no limit). Kept in their own
// table of the controller's database (not in the revisioned desired state:
// a rollback must not undo an operator's quota change), read once at start
// and written through. Enforced on create with Octavia's 403
// "Quota has been met for resources: ...".
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "controller/auth.h"
#include "controller/fault.h"
#include "controller/sqlite.h"
#include "controller/state.h"

namespace xlb::controller {

class Service;

class QuotaStore {
 public:
  // Opens its own connection to the database file and creates its table.
  static Result<QuotaStore> open(const std::string& db_path);

  // Every quota -1 (no limit): what a project without its own has.
  static json defaults();
  // The project's quotas, its own values over the defaults.
  json effective(const std::string& project_id) const;
  // Projects with quotas of their own, and those values.
  const std::map<std::string, json>& explicit_quotas() const { return quotas_; }

  // Sets the given values (null: back to the default) of a project.
  Status update(const std::string& project_id, const json& values);
  // Back to the defaults.
  Status reset(const std::string& project_id);

 private:
  explicit QuotaStore(sqlite::Database db) : db_(std::move(db)) {}
  Status write(const std::string& project_id);

  sqlite::Database db_;
  std::map<std::string, json> quotas_;
};

// The inner object of a PUT body {"quota": {...}}: known names (Octavia's
// older load_balancer and health_monitor too), integers -1..2147483647 or null.
Outcome<json> read_quota_body(const json& body);

// The project a new resource of kind k will belong to (its load balancer's
// for children); nullopt when its parent is not visible (the create will 404).
std::optional<std::string> owning_project(Kind k, const json& body, const std::string& pool_id,
                                          const Identity& who, const Service& service);

// A 403 when `project` already has as many resources of kind k as its quota.
std::optional<Fault> check_quota(Kind k, const std::string& project, const State& state, const QuotaStore& quotas);

}  // namespace xlb::controller
