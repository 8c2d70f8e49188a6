#include "controller/schema.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace xlb::controller {

std::span<const Migration> schema_migrations() {
  // Append only: a migration that shipped is never edited, since databases
  // in the field already ran it.
  static const std::vector<Migration> list = {
      {"revisions: the whole desired state per numbered revision, who made it and why",
       "CREATE TABLE revisions ("
       "  number INTEGER PRIMARY KEY,"
       "  created_at TEXT NOT NULL,"
       "  actor TEXT NOT NULL,"
       "  summary TEXT NOT NULL,"
       "  state TEXT NOT NULL"
       ");"},
      {"revisions: the actor's project, and the revision a rollback restored",
       "ALTER TABLE revisions ADD COLUMN project_id TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE revisions ADD COLUMN rollback_of INTEGER REFERENCES revisions(number);"},
      {"revisions: a revision stores what changed since its predecessor (delta, a JSON Patch) or, as every row "
       "before, the whole state (snapshot, empty on a delta row)",
       "ALTER TABLE revisions RENAME COLUMN state TO snapshot;"
       "ALTER TABLE revisions ADD COLUMN delta TEXT;"},
      {"agents: the L4 node agents that registered, for placement across restarts",
       "CREATE TABLE agents ("
       "  name TEXT PRIMARY KEY,"
       "  role TEXT NOT NULL,"
       "  grp TEXT NOT NULL,"
       "  capabilities TEXT NOT NULL,"
       "  version TEXT NOT NULL,"
       "  address TEXT NOT NULL,"
       "  registered_at TEXT NOT NULL"
       ");"},
      {"xlb_quotas: Octavia quotas per project, outside the revisioned desired state",
       "CREATE TABLE IF NOT EXISTS xlb_quotas (project_id TEXT PRIMARY KEY, quota TEXT NOT NULL);"},
      {"listener_stats: the traffic counters agents report per listener, and what they counted before a reset",
       "CREATE TABLE listener_stats ("
       "  listener_id TEXT NOT NULL,"
       "  agent TEXT NOT NULL,"
       "  bytes_in INTEGER NOT NULL, packets_in INTEGER NOT NULL,"
       "  total_connections INTEGER NOT NULL, request_errors INTEGER NOT NULL,"
       "  base_bytes_in INTEGER NOT NULL, base_packets_in INTEGER NOT NULL,"
       "  base_total_connections INTEGER NOT NULL, base_request_errors INTEGER NOT NULL,"
       "  PRIMARY KEY (listener_id, agent)"
       ");"},
  };
  return list;
}

Status migrate(sqlite::Database& db, std::span<const Migration> migrations) {
  auto version = db.user_version();
  if (!version) return version.error().context("reading the schema version");
  const auto known = static_cast<int64_t>(migrations.size());
  if (*version > known) {
    return Error{"the database has schema version " + std::to_string(*version) + " but this xlb-controller knows " +
                 std::to_string(known) + "; run a newer xlb-controller"};
  }
  for (int64_t v = *version; v < known; ++v) {
    const Migration& m = migrations[static_cast<size_t>(v)];
    const std::string what = "schema migration " + std::to_string(v + 1) + " (" + m.description + ")";
    auto tx = sqlite::Transaction::begin(db);
    if (!tx) return tx.error().context(what);
    if (auto s = db.exec(m.sql); !s) return s.error().context(what);
    if (auto s = db.set_user_version(v + 1); !s) return s.error().context(what);
    if (auto s = tx->commit(); !s) return s.error().context(what);
    spdlog::info("store: applied {}", what);
  }
  return {};
}

}  // namespace xlb::controller
