// Quotas: the PUT body check, the store (values over defaults, written
// through and read back), and enforcement counting the project's resources.
#include <gtest/gtest.h>

#include <filesystem>

#include "controller/quotas.h"

namespace xlb::controller {
namespace {

TEST(QuotaBody, AcceptsKnownNamesOctaviasOldNamesAndNull) {
  auto v = read_quota_body(json::parse(R"({"quota": {"load_balancer": 3, "health_monitor": -1, "member": null}})"));
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, json::parse(R"({"loadbalancer": 3, "healthmonitor": -1, "member": null})"));
}

TEST(QuotaBody, RefusesUnknownNamesAndOutOfRangeValues) {
  auto unknown = read_quota_body(json::parse(R"({"quota": {"vips": 1}})"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.fault().status, 400u);
  EXPECT_EQ(unknown.fault().message, "Invalid input for field/attribute vips: unknown quota");
  EXPECT_FALSE(read_quota_body(json::parse(R"({"quota": {"pool": 2147483648}})")));
  EXPECT_FALSE(read_quota_body(json::parse(R"({"quota": {"pool": 1.5}})")));
  EXPECT_FALSE(read_quota_body(json::parse(R"({"quotas": {}})")));
}

class QuotaStoreTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_ = (std::filesystem::temp_directory_path() /
                       ("xlb-quota-test-" + std::to_string(::getpid()) + ".db")).string();
};

TEST_F(QuotaStoreTest, ValuesOverDefaultsSurviveReopeningAndReset) {
  {
    auto store = QuotaStore::open(path_);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(store->effective("p").at("member"), -1);
    ASSERT_TRUE(store->update("p", json::parse(R"({"member": 4, "pool": 2})")));
    ASSERT_TRUE(store->update("p", json::parse(R"({"pool": null})")));
  }
  auto again = QuotaStore::open(path_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->effective("p").at("member"), 4);
  EXPECT_EQ(again->effective("p").at("pool"), -1);
  ASSERT_TRUE(again->reset("p"));
  EXPECT_TRUE(again->explicit_quotas().empty());
  auto third = QuotaStore::open(path_);
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->explicit_quotas().empty());
}

TEST_F(QuotaStoreTest, EnforcementCountsOnlyTheProjectsResources) {
  auto store = QuotaStore::open(path_);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->update("p", json::parse(R"({"loadbalancer": 1})")));
  State s;
  EXPECT_FALSE(check_quota(Kind::loadbalancer, "p", s, *store));
  s.collection(Kind::loadbalancer)["x"] = {{"project_id", "other"}};
  EXPECT_FALSE(check_quota(Kind::loadbalancer, "p", s, *store));
  s.collection(Kind::loadbalancer)["y"] = {{"project_id", "p"}};
  auto over = check_quota(Kind::loadbalancer, "p", s, *store);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 403u);
  EXPECT_EQ(over->message, "Quota has been met for resources: Load Balancer");
  EXPECT_FALSE(check_quota(Kind::listener, "p", s, *store));
  ASSERT_TRUE(store->update("p", json::parse(R"({"loadbalancer": 0})")));
  EXPECT_TRUE(check_quota(Kind::loadbalancer, "other", s, *store) == std::nullopt);
}

}  // namespace
}  // namespace xlb::controller
