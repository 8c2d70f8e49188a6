// The SQLite store: revisions written, read and listed; WAL mode; and the
// schema migrations: a database left at an old version is brought forward
// with its rows intact, a newer one is refused, and a migration that fails
// leaves the database at the last version that fully applied.
#include "controller/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "controller/schema.h"

namespace xlb::controller {
namespace {

class TempDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xlb-store-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "controller.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string query_text(sqlite::Database& db, const std::string& sql) {
    auto st = sqlite::Statement::prepare(db, sql);
    EXPECT_TRUE(st.ok()) << st.error().message;
    auto row = st->step();
    EXPECT_TRUE(row.ok() && *row);
    return st->column_text(0);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(TempDb, AppendGetLatestAndList) {
  auto store = Store::open(path_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto none = store->latest();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  for (int i = 1; i <= 5; ++i) {
    auto n = store->append({0, "2026-12-01T18:00:0" + std::to_string(i), "alice", "pa", "change " + std::to_string(i),
                            std::nullopt},
                           "{\"n\": " + std::to_string(i) + "}");
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(*n, i);
  }
  auto latest = store->latest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->info.number, 5);
  EXPECT_EQ((*latest)->state, "{\"n\": 5}");
  auto third = store->get(3);
  ASSERT_TRUE(third.ok() && third->has_value());
  EXPECT_EQ((*third)->info.summary, "change 3");
  EXPECT_EQ((*third)->info.project_id, "pa");
  EXPECT_FALSE((*third)->info.rollback_of.has_value());
  EXPECT_FALSE(store->get(6)->has_value());
  auto page = store->list(4, 2);  // below 4, newest first
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].number, 3);
  EXPECT_EQ((*page)[1].number, 2);
  auto rolled = store->append({0, "t", "ops", "operators", "rollback to revision 2", 2}, "{}");
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(*store->get(*rolled)->value().info.rollback_of, 2);
}

TEST_F(TempDb, OpensInWalModeAtTheNewestSchema) {
  { ASSERT_TRUE(Store::open(path_).ok()); }
  auto db = sqlite::Database::open(path_);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(query_text(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*db->user_version(), static_cast<int64_t>(schema_migrations().size()));
}

TEST_F(TempDb, AVersionOneDatabaseIsMigratedWithItsRows) {
  {
    // What the first schema left behind: its table, one revision, user_version 1.
    auto db = sqlite::Database::open(path_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec(schema_migrations()[0].sql).ok());
    ASSERT_TRUE(db->exec("INSERT INTO revisions (number, created_at, actor, summary, state) VALUES "
                         "(1, '2026-01-01T00:00:00', 'alice', 'create loadbalancer x', '{\"loadbalancers\": {}}');"
                         "PRAGMA user_version = 1;")
                    .ok());
  }
  auto store = Store::open(path_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto first = store->get(1);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->info.actor, "alice");
  EXPECT_EQ((*first)->info.summary, "create loadbalancer x");
  EXPECT_EQ((*first)->info.project_id, "");  // the column migration 2 added, at its default
  EXPECT_FALSE((*first)->info.rollback_of.has_value());
  EXPECT_EQ((*first)->state, "{\"loadbalancers\": {}}");
  // And it takes new revisions after the old ones.
  auto n = store->append({0, "t", "bob", "pb", "next", 1}, "{}");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2);
}

TEST_F(TempDb, ANewerDatabaseIsRefused) {
  {
    auto db = sqlite::Database::open(path_);
    ASSERT_TRUE(db->exec("PRAGMA user_version = 99").ok());
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("schema version 99"), std::string::npos) << store.error().message;
}

TEST_F(TempDb, AFailedMigrationLeavesTheLastGoodVersion) {
  const std::vector<Migration> migrations = {
      {"one", "CREATE TABLE a (x INTEGER);"},
      {"two", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);"},  // fails after creating b
  };
  auto db = sqlite::Database::open(path_);
  ASSERT_TRUE(db.ok());
  auto status = migrate(*db, migrations);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("schema migration 2 (two)"), std::string::npos) << status.error().message;
  EXPECT_EQ(*db->user_version(), 1);
  EXPECT_EQ(query_text(*db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), "0");  // rolled back
  EXPECT_EQ(query_text(*db, "SELECT count(*) FROM sqlite_master WHERE name = 'a'"), "1");
  // Fixed, it resumes from version 1.
  const std::vector<Migration> fixed = {migrations[0], {"two", "CREATE TABLE b (y INTEGER);"}};
  ASSERT_TRUE(migrate(*db, fixed).ok());
  EXPECT_EQ(*db->user_version(), 2);
}

TEST_F(TempDb, AnUnreadablePathIsAClearError) {
  auto store = Store::open((dir_ / "missing-dir" / "x.db").string());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("missing-dir"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace xlb::controller
