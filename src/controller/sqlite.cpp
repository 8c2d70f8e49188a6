#include "controller/sqlite.h"

#include <spdlog/spdlog.h>

namespace xlb::controller::sqlite {

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);  // closes even a handle that failed to open
  if (rc != SQLITE_OK) {
    return Error{"cannot open database " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  sqlite3_extended_result_codes(raw, 1);
  // Another process (sqlite3 CLI, a backup) may hold the lock for a moment.
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

Error Database::error(std::string_view what) const {
  return Error{std::string(what) + ": " + sqlite3_errmsg(db_.get())};
}

Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  Error e{std::string(message ? message : sqlite3_errstr(rc))};
  sqlite3_free(message);
  return e;
}

Result<int64_t> Database::user_version() {
  auto st = Statement::prepare(*this, "PRAGMA user_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return *row ? st->column_int(0) : 0;
}

Status Database::set_user_version(int64_t v) {
  // PRAGMA takes no bound parameters; v is an integer we produced.
  return exec("PRAGMA user_version = " + std::to_string(v));
}

Result<Statement> Statement::prepare(Database& db, std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK) {
    return db.error("preparing \"" + std::string(sql) + "\"");
  }
  return Statement(db, s);
}

Statement& Statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->error("binding parameter " + std::to_string(index));
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
          SQLITE_OK &&
      bind_status_.ok())
    bind_status_ = db_->error("binding parameter " + std::to_string(index));
  return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
  if (value) return bind(index, *value);
  if (sqlite3_bind_null(stmt_.get(), index) != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->error("binding parameter " + std::to_string(index));
  return *this;
}

Result<bool> Statement::step() {
  if (!bind_status_) return bind_status_.error();
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error("running \"" + std::string(sqlite3_sql(stmt_.get())) + "\"");
}

int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_.get(), index); }

std::optional<int64_t> Statement::column_optional_int(int index) const {
  if (sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL) return std::nullopt;
  return column_int(index);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_.get(), index);
  const int n = sqlite3_column_bytes(stmt_.get(), index);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n)) : std::string();
}

std::optional<std::string> Statement::column_optional_text(int index) const {
  if (sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL) return std::nullopt;
  return column_text(index);
}

Result<Transaction> Transaction::begin(Database& db) {
  // IMMEDIATE takes the write lock now, so a busy database fails here and
  // not halfway through the writes.
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s.error().context("starting a transaction");
  return Transaction(db);
}

Transaction::~Transaction() {
  if (!db_) return;
  if (auto s = db_->exec("ROLLBACK"); !s) spdlog::error("store: rollback failed: {}", s.error().message);
}

Status Transaction::commit() {
  if (auto s = db_->exec("COMMIT"); !s) return s.error().context("committing");
  db_ = nullptr;
  return {};
}

}  // namespace xlb::controller::sqlite
