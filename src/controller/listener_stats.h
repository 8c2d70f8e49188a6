// The traffic counters behind Octavia's /stats: what each agent reports for
// each listener it serves (bytes and packets in, new flows, refused
// packets), kept per (listener, agent) and summed on request.
//
// An agent's counters start again from zero when its node reinstalls a VIP
// or reboots; a value below the last one reported is taken as such a reset,
// and what was counted before it is kept (`base`), so totals only grow.
// Rows live in the controller's database (schema migration 6): a controller
// restart loses nothing. Rows of a node that leaves or of a deleted listener
// stay: they are history, and a rolled-back listener carries on from them.
//
// Under direct server return the L4 node sees neither the replies nor the
// end of a connection: bytes_out and active_connections are always 0.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/result.h"
#include "controller/fault.h"
#include "controller/sqlite.h"
#include "controller/state.h"

namespace xlb::controller {

struct Counters {
  int64_t bytes_in = 0;
  int64_t packets_in = 0;
  int64_t total_connections = 0;
  int64_t request_errors = 0;

  Counters& operator+=(const Counters& o);
  bool operator==(const Counters&) const = default;
};

// listener id -> what an agent counted.
using Reported = std::map<std::string, Counters>;

class ListenerStats {
 public:
  // Persisted in the database at `path` (which Store::open has migrated).
  static Result<ListenerStats> open(const std::string& path);
  static ListenerStats in_memory();

  // Checks a report's "stats": [{"listener_id", "bytes_in", "packets_in",
  // "total_connections", "request_errors"}, ...] (every field in every
  // entry), changing nothing.
  static Outcome<Reported> parse(const json& list);
  // Takes what `agent` reports now.
  Status record(const std::string& agent, const Reported& reported);

  // Over every agent that ever served the listener.
  Counters total(const std::string& listener_id) const;
  // Octavia's {"bytes_in", "bytes_out", "active_connections", "total_connections", "request_errors"}.
  static json render(const Counters& c);

 private:
  using Key = std::pair<std::string, std::string>;  // (listener id, agent)
  struct Row {
    Counters last;  // as the agent last reported it
    Counters base;  // counted before the agent's last reset
  };
  explicit ListenerStats(std::optional<sqlite::Database> db) : db_(std::move(db)) {}
  Status load();
  Status save(const std::string& listener_id, const std::string& agent, const Row& row);

  std::optional<sqlite::Database> db_;
  std::map<Key, Row> rows_;
};

}  // namespace xlb::controller
