// What the agent logs when services change: every difference, named.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "l4/service_diff.h"

namespace xlb::l4 {
namespace {

ServiceSpec web(std::vector<BackendSpec> backends) {
  return ServiceSpec{{*IpAddr::parse("198.51.100.10"), 80, IPPROTO_TCP}, 0, {}, std::move(backends)};
}
BackendSpec be(const char* addr, uint32_t weight = 1, BackendState state = BackendState::Active) {
  return {*IpAddr::parse(addr), weight, state};
}

TEST(ServiceDiff, EqualSetsHaveNoChanges) {
  auto s = web({be("198.18.11.2"), be("198.18.12.2")});
  EXPECT_TRUE(diff_services({s}, {s}).empty());
}

TEST(ServiceDiff, AddedAndRemovedServicesAreNamed) {
  auto a = web({be("198.18.11.2", 2)});
  auto b = a;
  b.key.port = 443;
  auto changes = diff_services({a}, {b});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, ServiceChange::Kind::Removed);
  EXPECT_EQ(changes[0].key.str(), "198.51.100.10:80/tcp");
  EXPECT_EQ(changes[1].kind, ServiceChange::Kind::Added);
  EXPECT_EQ(changes[1].details, std::vector<std::string>{"backend 198.18.11.2 (weight 2, active)"});
}

TEST(ServiceDiff, EveryBackendDifferenceIsALine) {
  auto before = web({be("198.18.11.2"), be("198.18.12.2"), be("198.18.13.2")});
  auto after = web({be("198.18.11.2", 3), be("198.18.12.2", 1, BackendState::Draining), be("198.18.14.2")});
  after.flags = XLB_VIP_STATELESS;
  after.rate_limit = {100, 20};
  auto changes = diff_services({before}, {after});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ServiceChange::Kind::Updated);
  EXPECT_EQ(changes[0].details, (std::vector<std::string>{
                                    "backend 198.18.13.2 removed",
                                    "backend 198.18.11.2 weight 1 -> 3",
                                    "backend 198.18.12.2 active -> draining",
                                    "backend 198.18.14.2 added (weight 1, active)",
                                    "flags none -> stateless",
                                    "rate limit none -> 100/s burst 20",
                                }));
}

}  // namespace
}  // namespace xlb::l4
