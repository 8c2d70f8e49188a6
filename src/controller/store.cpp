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

Result<int64_t> Store::append(RevisionInfo info, const std::string& state) {
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return tx.error();
  auto st = sqlite::Statement::prepare(
      db_,
      "INSERT INTO revisions (number, created_at, actor, project_id, summary, rollback_of, state) "
      "VALUES ((SELECT COALESCE(MAX(number), 0) + 1 FROM revisions), ?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) return st.error();
  st->bind(1, info.created_at).bind(2, info.actor).bind(3, info.project_id).bind(4, info.summary);
  st->bind(5, info.rollback_of).bind(6, state);
  if (auto r = st->step(); !r) return r.error().context("writing a revision");
  const int64_t number = sqlite3_last_insert_rowid(db_.handle());
  if (auto s = tx->commit(); !s) return s.error().context("writing revision " + std::to_string(number));
  return number;
}

Result<std::optional<Revision>> Store::fetch_one(std::string_view where, std::optional<int64_t> number) {
  auto st = sqlite::Statement::prepare(
      db_, std::string("SELECT ") + kInfoColumns + ", state FROM revisions " + std::string(where));
  if (!st) return st.error();
  if (number) st->bind(1, *number);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Revision>();
  return std::optional<Revision>(Revision{read_info(*st), st->column_text(6)});
}

Result<std::optional<Revision>> Store::latest() { return fetch_one("ORDER BY number DESC LIMIT 1", std::nullopt); }

Result<std::optional<Revision>> Store::get(int64_t number) { return fetch_one("WHERE number = ?1", number); }

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
