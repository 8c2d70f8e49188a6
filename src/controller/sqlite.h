// A thin RAII layer over the SQLite C API: one connection, prepared
// statements with bound parameters, and a transaction guard that rolls back
// unless committed. Every failure comes back as an xlb::Error naming the SQL
// step and SQLite's own message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xlb::controller::sqlite {

class Database {
 public:
  static Result<Database> open(const std::string& path);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  sqlite3* handle() const { return db_.get(); }
  Error error(std::string_view what) const;

  Result<int64_t> user_version();
  Status set_user_version(int64_t v);

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Close> db_;
};

class Statement {
 public:
  static Result<Statement> prepare(Database& db, std::string_view sql);

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::optional<int64_t> value);

  // Advances: true with a row, false when done, an error otherwise.
  Result<bool> step();
  int64_t column_int(int index) const;
  std::optional<int64_t> column_optional_int(int index) const;
  std::string column_text(int index) const;
  std::optional<std::string> column_optional_text(int index) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  Statement(Database& db, sqlite3_stmt* s) : db_(&db), stmt_(s) {}
  Database* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  Status bind_status_;  // the first bind failure, reported by step()
};

// BEGIN IMMEDIATE now; ROLLBACK at destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

}  // namespace xlb::controller::sqlite
