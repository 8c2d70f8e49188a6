// The service over a real store in a temporary file: what a change does to
// the whole state (cascades, defaults, project ownership), the conflicts it
// refuses, and that a write the store refuses changes nothing.
#include "controller/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "controller/diff.h"

namespace xlb::controller {
namespace {

const Identity kAlice{"alice", "project-a", false};
const Identity kBob{"bob", "project-b", false};
const Identity kAdmin{"ops", "operators", true};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("xlb-service-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    remove_files();
    reopen();
  }
  void TearDown() override {
    service_.reset();
    remove_files();
  }
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  void reopen() {
    service_.reset();
    auto store = Store::open(path_.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto service = Service::open(std::move(*store));
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_.emplace(std::move(*service));
  }

  std::string create(Kind k, const json& body, const Identity& who = kAlice, const std::string& parent = {}) {
    auto c = service_->create(k, body, who, parent);
    EXPECT_TRUE(c.ok()) << c.fault().message;
    return c ? c->id : "";
  }
  Fault refused(const Outcome<Change>& c) {
    EXPECT_FALSE(c.ok());
    return c ? Fault{0, ""} : c.fault();
  }

  // lb -> TCP listener on 80 -> pool (its default) -> two members, one monitor.
  struct Tree {
    std::string lb, listener, pool, member1, member2, monitor;
  };
  Tree tree(const std::string& vip = "198.51.100.1", const Identity& who = kAlice) {
    Tree t;
    t.lb = create(Kind::loadbalancer, {{"vip_address", vip}}, who);
    t.listener = create(Kind::listener, {{"loadbalancer_id", t.lb}, {"protocol", "TCP"}, {"protocol_port", 80}}, who);
    t.pool = create(Kind::pool, {{"listener_id", t.listener}, {"protocol", "TCP"}, {"lb_algorithm", "SOURCE_IP"}},
                    who);
    t.member1 = create(Kind::member, {{"address", "10.0.0.1"}, {"protocol_port", 80}}, who, t.pool);
    t.member2 = create(Kind::member, {{"address", "10.0.0.2"}, {"protocol_port", 80}}, who, t.pool);
    t.monitor = create(Kind::healthmonitor,
                       {{"pool_id", t.pool}, {"type", "TCP"}, {"delay", 5}, {"timeout", 2}, {"max_retries", 3}}, who);
    return t;
  }
  size_t count(Kind k) const { return service_->state().collection(k).size(); }

  std::filesystem::path path_;
  std::optional<Service> service_;
};

TEST_F(ServiceTest, EveryChangeIsTheNextRevisionAndSurvivesReopening) {
  Tree t = tree();
  EXPECT_EQ(service_->revision(), 6);
  EXPECT_EQ(service_->state().find(Kind::listener, t.listener)->at("default_pool_id"), t.pool);
  EXPECT_EQ(service_->state().find(Kind::member, t.member1)->at("project_id"), "project-a");
  const std::string before = service_->state().serialize();
  reopen();
  EXPECT_EQ(service_->revision(), 6);
  EXPECT_EQ(service_->state().serialize(), before);
  auto c = service_->update(Kind::member, t.member1, {{"weight", 3}}, kAlice);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->revision, 7);
}

TEST_F(ServiceTest, CascadeDeleteTakesEveryChildInOneRevision) {
  Tree t = tree();
  tree("198.51.100.2");  // another load balancer, untouched
  EXPECT_EQ(refused(service_->remove(Kind::loadbalancer, t.lb, kAlice)).status, 400u);
  auto c = service_->remove(Kind::loadbalancer, t.lb, kAlice, true);
  ASSERT_TRUE(c.ok()) << c.fault().message;
  EXPECT_EQ(count(Kind::loadbalancer), 1u);
  EXPECT_EQ(count(Kind::listener), 1u);
  EXPECT_EQ(count(Kind::pool), 1u);
  EXPECT_EQ(count(Kind::member), 2u);
  EXPECT_EQ(count(Kind::healthmonitor), 1u);
  auto stored = service_->store().get(c->revision);
  EXPECT_NE((*stored)->info.summary.find("with 1 listener(s) and 1 pool(s) (cascade)"), std::string::npos);
}

TEST_F(ServiceTest, DeletingAPoolTakesItsMembersAndMonitorAndClearsTheListenerDefault) {
  Tree t = tree();
  ASSERT_TRUE(service_->remove(Kind::pool, t.pool, kAlice).ok());
  EXPECT_EQ(count(Kind::member), 0u);
  EXPECT_EQ(count(Kind::healthmonitor), 0u);
  EXPECT_TRUE(service_->state().find(Kind::listener, t.listener)->at("default_pool_id").is_null());
}

TEST_F(ServiceTest, Conflicts) {
  Tree t = tree();
  EXPECT_EQ(refused(service_->create(Kind::loadbalancer, {{"vip_address", "198.51.100.1"}}, kBob)).status, 409u);
  EXPECT_EQ(refused(service_->create(Kind::listener,
                                     {{"loadbalancer_id", t.lb}, {"protocol", "TCP"}, {"protocol_port", 80}}, kAlice))
                .status,
            409u);
  EXPECT_TRUE(service_->create(Kind::listener, {{"loadbalancer_id", t.lb}, {"protocol", "UDP"}, {"protocol_port", 80}},
                               kAlice)
                  .ok());
  EXPECT_EQ(refused(service_->create(Kind::member, {{"address", "10.0.0.1"}, {"protocol_port", 80}}, kAlice, t.pool))
                .status,
            409u);
  EXPECT_EQ(refused(service_->create(Kind::healthmonitor,
                                     {{"pool_id", t.pool}, {"type", "PING"}, {"delay", 5}, {"timeout", 2},
                                      {"max_retries", 3}},
                                     kAlice))
                .status,
            409u);
  EXPECT_EQ(refused(service_->create(Kind::pool,
                                     {{"listener_id", t.listener}, {"protocol", "TCP"}, {"lb_algorithm", "SOURCE_IP"}},
                                     kAlice))
                .status,
            409u);
  // Updates are checked against the whole state too: a listener's new default pool must fit it.
  const std::string udp_pool =
      create(Kind::pool, {{"loadbalancer_id", t.lb}, {"protocol", "UDP"}, {"lb_algorithm", "SOURCE_IP"}});
  EXPECT_EQ(refused(service_->update(Kind::listener, t.listener, {{"default_pool_id", udp_pool}}, kAlice)).status,
            400u);
}

TEST_F(ServiceTest, AnotherProjectsResourcesAreNotFound) {
  Tree a = tree();
  for (auto [k, id] : {std::pair{Kind::loadbalancer, a.lb}, {Kind::listener, a.listener}, {Kind::pool, a.pool},
                       {Kind::member, a.member1}, {Kind::healthmonitor, a.monitor}}) {
    EXPECT_EQ(service_->visible(k, id, kBob), nullptr);
    EXPECT_NE(service_->visible(k, id, kAlice), nullptr);
    EXPECT_NE(service_->visible(k, id, kAdmin), nullptr);
    EXPECT_EQ(refused(service_->update(k, id, {{"name", "x"}}, kBob)).status, 404u);
    EXPECT_EQ(refused(service_->remove(k, id, kBob)).status, 404u);
  }
  EXPECT_EQ(refused(service_->create(Kind::member, {{"address", "10.9.9.9"}, {"protocol_port", 1}}, kBob, a.pool))
                .status,
            404u);
  // Admin-made children still belong to the load balancer's project.
  const std::string m = create(Kind::member, {{"address", "10.9.9.9"}, {"protocol_port", 1}}, kAdmin, a.pool);
  EXPECT_EQ(service_->state().find(Kind::member, m)->at("project_id"), "project-a");
  EXPECT_EQ(refused(service_->create(Kind::loadbalancer, {{"vip_address", "198.51.100.9"}, {"project_id", "x"}},
                                     kAlice))
                .status,
            403u);
}

TEST_F(ServiceTest, RollbackRestoresAnEarlierStateAsANewRevision) {
  Tree t = tree();
  const State at_six = service_->state();
  ASSERT_TRUE(service_->remove(Kind::member, t.member1, kAlice).ok());
  ASSERT_TRUE(service_->update(Kind::member, t.member2, {{"weight", 9}}, kAlice).ok());
  EXPECT_EQ(refused(service_->rollback(6, kAlice)).status, 403u);
  EXPECT_EQ(refused(service_->rollback(99, kAdmin)).status, 404u);
  auto c = service_->rollback(6, kAdmin);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->revision, 9);
  EXPECT_TRUE(service_->state() == at_six);
  EXPECT_EQ(diff(at_six, service_->state()), json::array());
  EXPECT_EQ(*service_->store().get(9)->value().info.rollback_of, 6);
}

TEST_F(ServiceTest, AWriteTheStoreRefusesChangesNothing) {
  Tree t = tree();
  const std::string before = service_->state().serialize();
  {
    // Another connection takes the table away: the service's next insert fails.
    auto db = sqlite::Database::open(path_.string());
    ASSERT_TRUE(db->exec("DROP TABLE revisions").ok());
  }
  auto c = service_->update(Kind::member, t.member1, {{"weight", 5}}, kAlice);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.fault().status, 500u);
  EXPECT_NE(c.fault().message.find("could not be stored"), std::string::npos) << c.fault().message;
  EXPECT_EQ(service_->state().serialize(), before);
  EXPECT_EQ(service_->revision(), 6);
}

}  // namespace
}  // namespace xlb::controller
