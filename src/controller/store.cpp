#include "controller/store.h"

#include "controller/schema.h"

namespace xlb::controller {

namespace {

constexpr const char* kInfoColumns = "number, created_at, actor, project_id, summary, rollback_of";

RevisionInfo read_info(const sqlite::Statement& st) {
  return RevisionInfo{st.column_int(0),  st.column_text(1), st.column_text(2),
                      st.column_text(3), st.column_text(4), st.column_optional_int(5)};
}

}  // namespace

Result<Store> Store::open(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) return db.error();
  // WAL: readers never block the writer; synchronous=FULL: a revision the API
  // acknowledged survives a power cut, not only a process crash.
  if (auto s = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !s)
    return s.error().context("configuring " + path);
  if (auto s = migrate(*db, schema_migrations()); !s) return s.error().context(path);
  return Store(std::move(*db));
}

Result<std::pair<int64_t, int64_t>> Store::heads() {
  auto st = sqlite::Statement::prepare(
      db_, "SELECT COALESCE(MAX(number), 0), COALESCE(MAX(CASE WHEN delta IS NULL THEN number END), 0) FROM revisions");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return std::pair{st->column_int(0), st->column_int(1)};
}

Result<int64_t> Store::append(RevisionInfo info, const nlohmann::json& before, const nlohmann::json& after) {
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto newest = heads();
  if (!newest) return newest.error().context("writing a revision");
  const auto [last, last_snapshot] = *newest;
  const int64_t number = last + 1;
  std::string snapshot;
  std::optional<std::string> delta;
  if (last_snapshot > 0 && number - last_snapshot < kSnapshotEvery) {
    nlohmann::json patch = nlohmann::json::diff(before, after);
    if (patch.size() <= kMaxDeltaOps) delta = patch.dump();
  }
  if (!delta) snapshot = after.dump();
  auto st = sqlite::Statement::prepare(
      db_,
      "INSERT INTO revisions (number, created_at, actor, project_id, summary, rollback_of, snapshot, delta) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st) return st.error();
  st->bind(1, number).bind(2, info.created_at).bind(3, info.actor).bind(4, info.project_id).bind(5, info.summary);
  st->bind(6, info.rollback_of).bind(7, snapshot);
  if (delta) st->bind(8, *delta);
  if (auto r = st->step(); !r) return r.error().context("writing a revision");
  if (auto s = tx->commit(); !s) return s.error().context("writing revision " + std::to_string(number));
  return number;
}

Result<std::optional<RevisionInfo>> Store::info(int64_t number) {
  auto st = sqlite::Statement::prepare(db_, std::string("SELECT ") + kInfoColumns + " FROM revisions WHERE number = ?1");
  if (!st) return st.error();
  st->bind(1, number);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<RevisionInfo>();
  return std::optional<RevisionInfo>(read_info(*st));
}

Result<std::optional<Revision>> Store::get(int64_t number) {
  // The newest snapshot at or below `number`, then every delta after it, in order.
  auto st = sqlite::Statement::prepare(
      db_, std::string("SELECT ") + kInfoColumns +
               ", snapshot, delta FROM revisions WHERE number <= ?1 AND number >= "
               "(SELECT MAX(number) FROM revisions WHERE number <= ?1 AND delta IS NULL) ORDER BY number");
  if (!st) return st.error();
  st->bind(1, number);
  const std::string what = "reading revision " + std::to_string(number);
  nlohmann::json doc;
  std::optional<RevisionInfo> found;
  while (true) {
    auto row = st->step();
    if (!row) return row.error().context(what);
    if (!*row) break;
    found = read_info(*st);
    try {
      auto delta = st->column_optional_text(7);
      if (!delta) {
        doc = nlohmann::json::parse(st->column_text(6));
      } else {
        doc = doc.patch(nlohmann::json::parse(*delta));
      }
    } catch (const nlohmann::json::exception& e) {
      return Error{what + ": revision " + std::to_string(found->number) + " is damaged: " + e.what()};
    }
  }
  if (!found || found->number != number) return std::optional<Revision>();
  return std::optional<Revision>(Revision{std::move(*found), doc.dump()});
}

Result<std::optional<Revision>> Store::latest() {
  auto newest = heads();
  if (!newest) return newest.error();
  if (newest->first == 0) return std::optional<Revision>();
  return get(newest->first);
}

Result<std::vector<RevisionInfo>> Store::list(std::optional<int64_t> before, int64_t limit) {
  auto st = sqlite::Statement::prepare(db_, std::string("SELECT ") + kInfoColumns +
                                                " FROM revisions WHERE number < ?1 ORDER BY number DESC LIMIT ?2");
  if (!st) return st.error();
  st->bind(1, before.value_or(INT64_MAX)).bind(2, limit);
  std::vector<RevisionInfo> out;
  while (true) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_info(*st));
  }
  return out;
}

}  // namespace xlb::controller
