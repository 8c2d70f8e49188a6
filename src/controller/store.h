// The controller's durable store: one SQLite file in WAL mode holding the
// numbered, immutable revisions of the desired state. The newest revision is
// the current desired state; nothing else is stored, so a restart rebuilds
// everything from the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/sqlite.h"

namespace xlb::controller {

struct RevisionInfo {
  int64_t number = 0;
  std::string created_at;  // UTC, "2026-12-01T18:00:00"
  std::string actor;       // the token's name
  std::string project_id;  // the actor's project
  std::string summary;     // what changed, one line
  std::optional<int64_t> rollback_of;
};

struct Revision {
  RevisionInfo info;
  std::string state;  // the desired-state JSON document
};

class Store {
 public:
  // Opens (creating if needed) and migrates the database at `path`.
  static Result<Store> open(const std::string& path);

  // Writes the next revision and returns its number (one above the newest).
  Result<int64_t> append(RevisionInfo info, const std::string& state);
  // The newest revision, if there is one.
  Result<std::optional<Revision>> latest();
  Result<std::optional<Revision>> get(int64_t number);
  // Newest first: up to `limit` revisions numbered below `before` (all when unset).
  Result<std::vector<RevisionInfo>> list(std::optional<int64_t> before, int64_t limit);

 private:
  explicit Store(sqlite::Database db) : db_(std::move(db)) {}
  Result<std::optional<Revision>> fetch_one(std::string_view where, std::optional<int64_t> number);
  sqlite::Database db_;
};

}  // namespace xlb::controller
