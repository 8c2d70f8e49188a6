// The controller's durable store: one SQLite file in WAL mode holding the
// numbered, immutable revisions of the desired state. The newest revision is
// the current desired state; nothing else is stored, so a restart rebuilds
// everything from the file.
//
// A revision row holds either the whole document (a snapshot) or only what
// changed since its predecessor (a JSON Patch, RFC 6902). Storing the whole
// state every time made the file grow with the square of the state (2,000
// members added one by one: 811 MB); with deltas it grows with the changes.
// A snapshot is written at least every kSnapshotEvery revisions, and instead
// of a delta longer than kMaxDeltaOps operations (a rollback far back), so
// reading any revision applies at most kSnapshotEvery - 1 deltas.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

  static constexpr int64_t kSnapshotEvery = 64;
  static constexpr size_t kMaxDeltaOps = 256;

  // Writes the next revision, whose document is `after`, and returns its
  // number (one above the newest). `before` must be the newest revision's
  // document (empty object when there is none): the delta is taken against it.
  Result<int64_t> append(RevisionInfo info, const nlohmann::json& before, const nlohmann::json& after);
  // The newest revision, if there is one.
  Result<std::optional<Revision>> latest();
  Result<std::optional<Revision>> get(int64_t number);
  // Who, when and why, without rebuilding the document.
  Result<std::optional<RevisionInfo>> info(int64_t number);
  // Newest first: up to `limit` revisions numbered below `before` (all when unset).
  Result<std::vector<RevisionInfo>> list(std::optional<int64_t> before, int64_t limit);

 private:
  explicit Store(sqlite::Database db) : db_(std::move(db)) {}
  // The newest revision's number and the newest snapshot's (0 when none).
  Result<std::pair<int64_t, int64_t>> heads();
  sqlite::Database db_;
};

}  // namespace xlb::controller
