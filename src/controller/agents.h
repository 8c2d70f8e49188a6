// The L4 node agents the controller knows: who registered (name, role,
// group, capabilities, version, address; kept in the database so that
// placement survives a restart) and what each last reported (the revision
// it applied, an error, the health of its backends; kept in memory: agents
// report again within one poll after a restart).
//
// An agent is ONLINE while it polls or reports at least every
// `offline_after`, ERROR when its last report carried an error, OFFLINE
// otherwise (and until it is heard from after a controller restart).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/result.h"
#include "controller/fault.h"
#include "controller/placement.h"
#include "controller/sqlite.h"
#include "controller/state.h"

namespace xlb::controller {

using Clock = std::chrono::steady_clock;

struct AgentInfo {
  std::string name;
  std::string role = "l4";
  std::string group;
  Capabilities capabilities;
  std::string version;
  std::string address;
  std::string registered_at;

  // Reported, not stored.
  std::optional<int64_t> applied_revision;
  std::string error;                   // empty: the last apply worked
  std::optional<int64_t> error_revision;  // the revision that failed
  std::optional<Clock::time_point> last_seen;
  std::string last_seen_at;  // UTC text of last_seen
  int polling = 0;           // long polls waiting now: the agent is there
  // (listener id, backend address) -> "up" | "down" | "unknown"
  std::map<std::pair<std::string, std::string>, std::string> health;
};

class Agents {
 public:
  // Persisted in the database at `path` (which Store::open has migrated).
  static Result<Agents> open(const std::string& path, std::chrono::seconds offline_after);
  // Nothing persisted (tests).
  static Agents in_memory(std::chrono::seconds offline_after = std::chrono::seconds(30));

  // Registers or updates from {"role", "group", "capabilities", "version", "address"}.
  Outcome<const AgentInfo*> enroll(const std::string& name, const json& body, const std::string& peer);
  // Applies {"applied_revision", "error", "health": [{"listener_id", "address", "status"}]}
  // (a "stats" list is allowed and left to ListenerStats).
  Checked report(const std::string& name, const json& body);
  Checked forget(const std::string& name);

  AgentInfo* find(const std::string& name);
  const std::map<std::string, AgentInfo>& all() const { return agents_; }
  bool empty() const { return agents_.empty(); }

  void seen(AgentInfo& a);
  // "ONLINE", "OFFLINE" or "ERROR".
  std::string status(const AgentInfo& a, Clock::time_point now = Clock::now()) const;
  bool online(const AgentInfo& a, Clock::time_point now = Clock::now()) const { return status(a, now) != "OFFLINE"; }

  // Every group with what all of its agents offer.
  Groups groups() const;
  json render(const AgentInfo& a) const;

 private:
  Agents(std::optional<sqlite::Database> db, std::chrono::seconds offline_after)
      : db_(std::move(db)), offline_after_(offline_after) {}
  Status save(const AgentInfo& a);
  Status load();

  std::optional<sqlite::Database> db_;
  std::chrono::seconds offline_after_;
  std::map<std::string, AgentInfo> agents_;
};

// Agent and group names: 1 to 64 of letters, digits, '.', '-', '_'.
bool is_agent_name(std::string_view s);

}  // namespace xlb::controller
