// The bgp: section: defaults, every field, and the errors an operator gets
// (with file:line) for what BIRD or BGP would refuse or misuse.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace xlb::config {
namespace {

const std::string kNode = "node: {interface: eth0}\n";

Result<Config> with_bgp(const std::string& bgp) { return parse(kNode + "bgp:\n" + bgp, "t.yaml"); }

std::string error_of(const std::string& bgp) {
  auto cfg = with_bgp(bgp);
  EXPECT_FALSE(cfg.ok()) << "accepted: " << bgp;
  return cfg.ok() ? "" : cfg.error().message;
}

const std::string kMinimal =
    "  local_as: 65001\n"
    "  router_id: 198.18.1.2\n"
    "  peers: [{address: 198.18.1.1, as: 65000}, {address: \"2001:db8:0:2::1\", as: 65000}]\n";

TEST(ConfigBgp, AbsentMeansNoBgp) {
  auto cfg = parse(kNode, "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_FALSE(cfg->bgp.has_value());
}

TEST(ConfigBgp, MinimalSectionTakesTheDefaults) {
  auto cfg = with_bgp(kMinimal);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_TRUE(cfg->bgp.has_value());
  const Bgp& b = *cfg->bgp;
  EXPECT_EQ(b.local_as, 65001u);
  EXPECT_EQ(b.router_id.str(), "198.18.1.2");
  ASSERT_EQ(b.peers.size(), 2u);
  EXPECT_EQ(b.peers[1].address.str(), "2001:db8:0:2::1");
  EXPECT_EQ(b.peers[1].as, 65000u);
  EXPECT_EQ(b.hold_time, 9u);
  EXPECT_EQ(b.keepalive_time, 3u);
  EXPECT_TRUE(b.bfd);
  EXPECT_EQ(b.bfd_interval_ms, 100u);
  EXPECT_EQ(b.bfd_multiplier, 3u);
  EXPECT_EQ(b.bird_config, "/run/xlb/bird.conf");
  EXPECT_EQ(b.bird_socket, "/run/bird/bird.ctl");
}

TEST(ConfigBgp, EveryFieldIsRead) {
  auto cfg = with_bgp(kMinimal +
                      "  hold_time: 30\n  keepalive_time: 10\n  bfd: false\n  bfd_interval_ms: 300\n"
                      "  bfd_multiplier: 5\n  bird_config: /etc/bird/xlb.conf\n  bird_socket: /run/b.ctl\n");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->bgp->hold_time, 30u);
  EXPECT_EQ(cfg->bgp->keepalive_time, 10u);
  EXPECT_FALSE(cfg->bgp->bfd);
  EXPECT_EQ(cfg->bgp->bfd_interval_ms, 300u);
  EXPECT_EQ(cfg->bgp->bfd_multiplier, 5u);
  EXPECT_EQ(cfg->bgp->bird_config, "/etc/bird/xlb.conf");
  EXPECT_EQ(cfg->bgp->bird_socket, "/run/b.ctl");
}

TEST(ConfigBgp, MistakesAreNamedWithTheirLine) {
  EXPECT_NE(error_of("  router_id: 198.18.1.2\n  peers: [{address: 198.18.1.1, as: 1}]\n").find("local_as"),
            std::string::npos);
  EXPECT_NE(error_of("  local_as: 1\n  router_id: \"2001:db8::1\"\n  peers: [{address: 198.18.1.1, as: 1}]\n")
                .find("t.yaml:4: bgp.router_id: a router id is written as an IPv4 address"),
            std::string::npos);
  EXPECT_NE(error_of("  local_as: 1\n  router_id: 198.18.1.2\n  peers: []\n").find("lists no peer"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal + "  hold_time: 2\n").find("must be 0 or at least 3 seconds"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "  keepalive_time: 9\n").find("t.yaml:6: bgp.keepalive_time: must be less than hold_time (9)"),
            std::string::npos);
  EXPECT_NE(error_of(kMinimal + "  bird_config: bird.conf\n").find("is not an absolute path"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "  bfd_multiplier: 0\n").find("bgp.bfd_multiplier"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "  peer_as: 3\n").find("peer_as"), std::string::npos);
  EXPECT_NE(error_of("  local_as: 1\n  router_id: 198.18.1.2\n"
                     "  peers: [{address: 198.18.1.1, as: 1}, {address: 198.18.1.1, as: 2}]\n")
                .find("198.18.1.1 is listed twice"),
            std::string::npos);
  EXPECT_NE(error_of("  local_as: 1\n  router_id: 198.18.1.2\n  peers: [{address: 224.0.0.5, as: 1}]\n")
                .find("bgp.peers[0].address"),
            std::string::npos);
}

TEST(ConfigBgp, WhereBirdLivesNeedsARestartPeersDoNot) {
  auto a = with_bgp(kMinimal);
  auto b = with_bgp(kMinimal + "  hold_time: 30\n");
  auto c = with_bgp(kMinimal + "  bird_socket: /run/other.ctl\n");
  auto none = parse(kNode, "t.yaml");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && none.ok());
  EXPECT_TRUE(restart_required_changes(*a, *b).empty());
  ASSERT_EQ(restart_required_changes(*a, *c).size(), 1u);
  EXPECT_NE(restart_required_changes(*a, *c)[0].find("bgp.bird_socket"), std::string::npos);
  ASSERT_EQ(restart_required_changes(*none, *a).size(), 1u);
  EXPECT_NE(restart_required_changes(*none, *a)[0].find("bgp"), std::string::npos);
}

}  // namespace
}  // namespace xlb::config
