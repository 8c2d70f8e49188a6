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
  nlohmann::json doc = nlohmann::json::object();
  for (int i = 1; i <= 5; ++i) {
    nlohmann::json next = {{"n", i}};
    auto n = store->append({0, "2026-12-01T18:00:0" + std::to_string(i), "alice", "pa", "change " + std::to_string(i),
                            std::nullopt},
                           doc, next);
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(*n, i);
    doc = next;
  }
  auto latest = store->latest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->info.number, 5);
  EXPECT_EQ((*latest)->state, "{\"n\":5}");
  auto third = store->get(3);
  ASSERT_TRUE(third.ok() && third->has_value());
  EXPECT_EQ((*third)->info.summary, "change 3");
  EXPECT_EQ((*third)->state, "{\"n\":3}");
  EXPECT_EQ((*third)->info.project_id, "pa");
  EXPECT_FALSE((*third)->info.rollback_of.has_value());
  EXPECT_FALSE(store->get(6)->has_value());
  auto page = store->list(4, 2);  // below 4, newest first
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].number, 3);
  EXPECT_EQ((*page)[1].number, 2);
  auto rolled = store->append({0, "t", "ops", "operators", "rollback to revision 2", 2}, doc, {{"n", 2}});
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(*store->get(*rolled)->value().info.rollback_of, 2);
  EXPECT_EQ(*store->info(*rolled)->value().rollback_of, 2);
  EXPECT_FALSE(store->info(99)->has_value());
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
  EXPECT_EQ((*first)->state, "{\"loadbalancers\":{}}");
  // And it takes new revisions after the old ones, as deltas against the old snapshot.
  const nlohmann::json before = {{"loadbalancers", nlohmann::json::object()}};
  const nlohmann::json after = {{"loadbalancers", {{"x", {{"name", "web"}}}}}};
  auto n = store->append({0, "t", "bob", "pb", "next", 1}, before, after);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 2);
  EXPECT_EQ((*store->get(2))->state, after.dump());
  EXPECT_EQ((*store->get(1))->state, before.dump());
}

// A state that grows by one member per revision, as an operator adding a
// pool's members one by one does.
nlohmann::json with_members(int count) {
  nlohmann::json doc = {{"loadbalancers", {{"lb", {{"name", "web"}, {"vip_address", "198.51.100.10"}}}}},
                        {"members", nlohmann::json::object()}};
  for (int i = 0; i < count; ++i)
    doc["members"]["m" + std::to_string(i)] = {{"address", "198.18.1." + std::to_string(i % 250)},
                                               {"protocol_port", 8000 + i},
                                               {"weight", 1},
                                               {"name", "member-" + std::to_string(i)}};
  return doc;
}

TEST_F(TempDb, EveryRevisionReadsBackExactlyAcrossSnapshotsAndDeltas) {
  auto store = Store::open(path_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  const int count = static_cast<int>(Store::kSnapshotEvery) * 2 + 5;
  nlohmann::json doc = nlohmann::json::object();
  for (int i = 1; i <= count; ++i) {
    nlohmann::json next = with_members(i);
    if (i % 7 == 0) next["members"].erase("m" + std::to_string(i - 3));  // removals too
    if (i % 5 == 0) next["loadbalancers"]["lb"]["name"] = "web-" + std::to_string(i);  // and field changes
    ASSERT_EQ(*store->append({0, "t", "alice", "pa", "change", std::nullopt}, doc, next), i);
    doc = next;
  }
  for (int i = 1; i <= count; ++i) {
    nlohmann::json expected = with_members(i);
    if (i % 7 == 0) expected["members"].erase("m" + std::to_string(i - 3));
    if (i % 5 == 0) expected["loadbalancers"]["lb"]["name"] = "web-" + std::to_string(i);
    auto got = store->get(i);
    ASSERT_TRUE(got.ok() && got->has_value()) << i;
    EXPECT_EQ((*got)->state, expected.dump()) << "revision " << i;
  }
  // Snapshots at 1, 65, 129: a read never applies more than kSnapshotEvery - 1 deltas.
  auto db = sqlite::Database::open(path_);
  EXPECT_EQ(query_text(*db, "SELECT group_concat(number) FROM revisions WHERE delta IS NULL"), "1,65,129");
}

TEST_F(TempDb, ALongDeltaIsStoredAsASnapshot) {
  auto store = Store::open(path_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  const nlohmann::json empty = with_members(0);
  const nlohmann::json big = with_members(static_cast<int>(Store::kMaxDeltaOps) + 1);
  ASSERT_TRUE(store->append({0, "t", "a", "p", "start", std::nullopt}, nlohmann::json::object(), empty).ok());
  ASSERT_TRUE(store->append({0, "t", "a", "p", "many at once", std::nullopt}, empty, big).ok());
  ASSERT_TRUE(store->append({0, "t", "a", "p", "back", 1}, big, empty).ok());
  auto db = sqlite::Database::open(path_);
  EXPECT_EQ(query_text(*db, "SELECT group_concat(number) FROM revisions WHERE delta IS NULL"), "1,2,3");
  EXPECT_EQ((*store->get(2))->state, big.dump());
}

TEST_F(TempDb, StorageGrowsWithTheChangesNotWithTheState) {
  // 1,000 members added one by one. Whole-state rows would hold
  // n(n+1)/2 member records (500,500); deltas hold each about once, plus a
  // snapshot every kSnapshotEvery revisions (about 16 x 500 on average).
  auto store = Store::open(path_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  nlohmann::json doc = nlohmann::json::object();
  const int count = 1000;
  for (int i = 1; i <= count; ++i) {
    nlohmann::json next = with_members(i);
    ASSERT_TRUE(store->append({0, "t", "a", "p", "add", std::nullopt}, doc, next).ok());
    doc = std::move(next);
  }
  const size_t whole = doc.dump().size();
  auto db = sqlite::Database::open(path_);
  const size_t stored =
      std::stoull(query_text(*db, "SELECT SUM(length(snapshot)) + SUM(COALESCE(length(delta), 0)) FROM revisions"));
  // About 17 snapshots of at most the whole state, and 1,000 small deltas.
  EXPECT_LT(stored, whole * 20) << "stored " << stored << " bytes for a " << whole << "-byte state";
  EXPECT_EQ((*store->get(count))->state, doc.dump());
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
