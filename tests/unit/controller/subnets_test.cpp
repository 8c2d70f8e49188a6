// Subnets: prefix membership, and VIP placement (check or allocate).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/subnets.h"

namespace xlb::controller {
namespace {

const char* kId = "11111111-1111-4111-8111-111111111111";

Subnets load(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("xlb-subnets-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << text;
  auto s = Subnets::load(path.string());
  std::filesystem::remove(path);
  EXPECT_TRUE(s) << s.error().message;
  return s ? *s : Subnets();
}

TEST(SubnetPrefix, ContainsByPrefixBitsAndFamily) {
  auto p = *Prefix::parse("198.51.100.128/25");
  EXPECT_TRUE(prefix_contains(p, *IpAddr::parse("198.51.100.200")));
  EXPECT_FALSE(prefix_contains(p, *IpAddr::parse("198.51.100.127")));
  EXPECT_FALSE(prefix_contains(p, *IpAddr::parse("2001:db8::1")));
  EXPECT_TRUE(prefix_contains(*Prefix::parse("2001:db8::/32"), *IpAddr::parse("2001:db8:ffff::1")));
  EXPECT_TRUE(prefix_contains(*Prefix::parse("0.0.0.0/0"), *IpAddr::parse("203.0.113.1")));
}

TEST(SubnetPlacement, AllocatesSkippingGatewayAndTakenVips) {
  Subnets subnets = load(std::string("subnets:\n  - id: ") + kId + "\n    cidr: 198.51.100.0/29\n    gateway_ip: 198.51.100.1\n");
  State s;
  s.collection(Kind::loadbalancer)["a"] = {{"vip_address", "198.51.100.2"}};
  auto placed = place_vip(json{{"vip_subnet_id", kId}}, subnets, s);
  ASSERT_TRUE(placed);
  EXPECT_EQ(placed->at("vip_address"), "198.51.100.3");
  // .3-.6 taken: the broadcast .7 is never given.
  for (const char* a : {"198.51.100.3", "198.51.100.4", "198.51.100.5", "198.51.100.6"})
    s.collection(Kind::loadbalancer)[a] = {{"vip_address", a}};
  auto full = place_vip(json{{"vip_subnet_id", kId}}, subnets, s);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.fault().status, 409u);
}

TEST(SubnetPlacement, ChecksAGivenAddressAndLeavesOtherBodiesAlone) {
  Subnets subnets = load(std::string("subnets:\n  - id: ") + kId + "\n    cidr: 198.51.100.0/24\n");
  State s;
  EXPECT_TRUE(place_vip(json{{"vip_subnet_id", kId}, {"vip_address", "198.51.100.9"}}, subnets, s));
  auto outside = place_vip(json{{"vip_subnet_id", kId}, {"vip_address", "203.0.113.9"}}, subnets, s);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.fault().status, 400u);
  // No subnet, or one that is not a UUID: the body's own validation decides.
  EXPECT_EQ(*place_vip(json{{"vip_address", "10.0.0.1"}}, subnets, s), json({{"vip_address", "10.0.0.1"}}));
  EXPECT_TRUE(place_vip(json{{"vip_subnet_id", "abc"}}, subnets, s));
}

}  // namespace
}  // namespace xlb::controller
