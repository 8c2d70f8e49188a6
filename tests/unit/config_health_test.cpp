// Config for flows that survive change: backend states, health checks,
// rate limits and the stateless-fallback thresholds.
#include <gtest/gtest.h>

#include "config/config.h"

namespace xlb::config {
namespace {

constexpr std::string_view kNode = "node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n";

std::string errors_of(const std::string& yaml) {
  auto config = parse(yaml, "t.yaml");
  EXPECT_FALSE(config.ok()) << "accepted:\n" << yaml;
  return config.ok() ? std::string() : config.error().message;
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(ConfigHealth, EveryFieldDecodes) {
  auto cfg = parse(std::string(kNode) +
                       "vips:\n"
                       "  - address: 198.51.100.10\n"
                       "    port: 80\n"
                       "    protocol: tcp\n"
                       "    rate_limit: {rate: 100, burst: 20}\n"
                       "    health_check:\n"
                       "      type: http\n"
                       "      interval_ms: 500\n"
                       "      timeout_ms: 200\n"
                       "      rise: 3\n"
                       "      fall: 2\n"
                       "      port: 8080\n"
                       "      path: /healthz\n"
                       "      host: www.example.com\n"
                       "      expect_status: \"200-204, 302\"\n"
                       "    backends:\n"
                       "      - {address: 198.18.10.2, state: draining}\n"
                       "      - {address: 198.18.10.3, state: down, monitor_address: 198.18.11.3, monitor_port: 9000}\n"
                       "      - {address: 198.18.10.4}\n",
                   "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const Vip& vip = cfg->vips.at(0);
  EXPECT_EQ(vip.rate_limit, (RateLimit{100, 20}));
  ASSERT_TRUE(vip.health_check.has_value());
  const HealthCheck& hc = *vip.health_check;
  EXPECT_EQ(hc.type, CheckType::Http);
  EXPECT_EQ(hc.interval_ms, 500u);
  EXPECT_EQ(hc.timeout_ms, 200u);
  EXPECT_EQ(hc.rise, 3u);
  EXPECT_EQ(hc.fall, 2u);
  EXPECT_EQ(hc.port, 8080);
  EXPECT_EQ(hc.path, "/healthz");
  EXPECT_EQ(hc.host, "www.example.com");
  EXPECT_EQ(hc.expect_status, (std::vector<StatusRange>{{200, 204}, {302, 302}}));
  EXPECT_EQ(vip.backends[0].state, BackendState::Draining);
  EXPECT_EQ(vip.backends[1].state, BackendState::Down);
  EXPECT_EQ(vip.backends[1].monitor_address->str(), "198.18.11.3");
  EXPECT_EQ(vip.backends[1].monitor_port, 9000);
  EXPECT_EQ(vip.backends[2].state, BackendState::Active);
  EXPECT_EQ(cfg->node.stateless_above, kDefaultStatelessAbove);
  EXPECT_EQ(cfg->node.stateless_below, kDefaultStatelessBelow);
}

TEST(ConfigHealth, DefaultsAreSane) {
  auto cfg = parse(std::string(kNode) +
                       "vips:\n"
                       "  - {address: 198.51.100.10, port: 53, protocol: udp, health_check: {type: udp},"
                       " rate_limit: {rate: 50}, backends: [{address: 198.18.10.2}]}\n",
                   "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const HealthCheck& hc = *cfg->vips[0].health_check;
  EXPECT_EQ(hc.interval_ms, 2000u);
  EXPECT_EQ(hc.timeout_ms, 1000u);
  EXPECT_EQ(hc.rise, 2u);
  EXPECT_EQ(hc.fall, 3u);
  EXPECT_EQ(hc.payload, "ping");
  EXPECT_EQ(cfg->vips[0].rate_limit, (RateLimit{50, 50})) << "burst defaults to one second's worth";
}

TEST(ConfigHealth, StatelessThresholds) {
  auto cfg = parse("node: {interface: eth0, stateless_above: 1000}\n", "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->node.stateless_above, 1000u);
  EXPECT_EQ(cfg->node.stateless_below, 500u) << "below defaults to half of above";
  EXPECT_CONTAINS(errors_of("node: {interface: eth0, stateless_above: 1000, stateless_below: 2000}\n"),
                  "t.yaml:1: node.stateless_below: must not exceed stateless_above (1000)");
  auto off = parse("node: {interface: eth0, stateless_above: 0}\n", "t.yaml");
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_EQ(off->node.stateless_above, 0u);
}

TEST(ConfigHealth, BadChecksAreNamed) {
  auto vip = [](const std::string& extra, const std::string& proto = "tcp", int port = 80) {
    return std::string(kNode) + "vips:\n  - address: 198.51.100.10\n    port: " + std::to_string(port) +
           "\n    protocol: " + proto + "\n" + extra + "    backends: [{address: 198.18.10.2}]\n";
  };
  EXPECT_CONTAINS(errors_of(vip("    health_check: {interval_ms: 100, timeout_ms: 200}\n")),
                  "health_check.timeout_ms: 200 is longer than interval_ms (100)");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: tcp, path: /x}\n")),
                  "health_check.path: only for type http or https");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: http, expect_status: 200-abc}\n")),
                  "health_check.expect_status: '200-abc' is not a list of HTTP status codes");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: http, path: nope}\n")), "must start with '/'");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: udp}\n")), "a udp check on a tcp VIP");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: tcp}\n", "udp")),
                  "a tcp check on a udp VIP probes over TCP, where the VIP's port is not served");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: ping, port: 7}\n")), "health_check.port: a ping check has no port");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: tcp}\n", "tcp", 0)), "give the check a port");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {type: smtp}\n")), "'smtp' is not one of: tcp, http, https, udp, ping");
  EXPECT_CONTAINS(errors_of(vip("    health_check: {interval_ms: 10}\n")), "out of range (50..3600000)");
  EXPECT_CONTAINS(errors_of(vip("    rate_limit: {burst: 5}\n")), "rate_limit.rate: required field is missing");
  EXPECT_CONTAINS(errors_of(vip("    rate_limit: {rate: 200000000}\n")), "out of range (0..100000000)");
}

TEST(ConfigHealth, UdpVipsMayBeCheckedOverTcpAtAnotherPortOrByPing) {
  auto parsed = [](const std::string& vips) {
    auto cfg = parse(std::string(kNode) + "vips:\n" + vips, "t.yaml");
    EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
    return cfg.ok() ? cfg->vips.at(0).health_check.value_or(HealthCheck{}) : HealthCheck{};
  };
  // A DNS service with an HTTP health endpoint: the check's own port, or each backend's.
  EXPECT_EQ(parsed("  - {address: 198.51.100.53, port: 53, protocol: udp, health_check: {type: http, port: 8080},"
                   " backends: [{address: 198.18.10.2}]}\n")
                .port,
            8080);
  EXPECT_EQ(parsed("  - {address: 198.51.100.53, port: 53, protocol: udp, health_check: {type: tcp},"
                   " backends: [{address: 198.18.10.2, monitor_port: 8053}]}\n")
                .type,
            CheckType::Tcp);
  // Ping needs no port, even on an every-port VIP.
  for (const char* vip : {"  - {address: 198.51.100.53, port: 53, protocol: udp, health_check: {type: ping},"
                          " backends: [{address: 198.18.10.2}]}\n",
                          "  - {address: 198.51.100.53, port: 0, protocol: tcp, health_check: {type: ping},"
                          " backends: [{address: 198.18.10.2}]}\n"})
    EXPECT_EQ(parsed(vip).type, CheckType::Ping) << vip;
}

TEST(ConfigHealth, HostHeaderCannotInjectHeaders) {
  std::string yaml = std::string(kNode) +
                     "vips:\n  - address: 198.51.100.10\n    port: 80\n    protocol: tcp\n"
                     "    health_check: {type: http, host: \"a\\r\\nX-Evil: 1\"}\n"
                     "    backends: [{address: 198.18.10.2}]\n";
  EXPECT_CONTAINS(errors_of(yaml), "health_check.host");
}

TEST(ConfigHealth, BackendStateMustBeKnown) {
  std::string yaml = std::string(kNode) +
                     "vips:\n  - {address: 198.51.100.10, port: 80, protocol: tcp,"
                     " backends: [{address: 198.18.10.2, state: maintenance}]}\n";
  EXPECT_CONTAINS(errors_of(yaml), "'maintenance' is not one of: active, draining, down");
}

}  // namespace
}  // namespace xlb::config

namespace xlb::config {
namespace {

TEST(ConfigPmtu, BackendMtuAndIcmpBudget) {
  auto defaults = parse("node: {interface: eth0}\n", "t.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->node.backend_mtu, 0u) << "0: the agent uses the interface's MTU";
  EXPECT_EQ(defaults->node.icmp_rate, kDefaultIcmpRate);
  EXPECT_EQ(defaults->node.icmp_burst, kDefaultIcmpBurst);
  auto set = parse("node: {interface: eth0, backend_mtu: 9000, icmp_rate: 10, icmp_burst: 5}\n", "t.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->node.backend_mtu, 9000u);
  EXPECT_EQ(set->node.icmp_rate, 10u);
  EXPECT_EQ(set->node.icmp_burst, 5u);
  auto small = parse("node: {interface: eth0, backend_mtu: 1300}\n", "t.yaml");
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("node.backend_mtu: '1300' is out of range (1320..65535)"), std::string::npos)
      << small.error().message;
}

}  // namespace
}  // namespace xlb::config

namespace xlb::config {
namespace {

TEST(ConfigFragments, AddressHashIsForAllPortsVipsOnly) {
  auto ok = parse("node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n"
                  "vips: [{address: 198.51.100.53, port: 0, protocol: udp, hash: addresses,"
                  " backends: [{address: 198.18.10.2}]}]\n",
                  "t.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->vips[0].hash, HashMode::Addresses);
  auto bad = parse("node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n"
                   "vips: [{address: 198.51.100.53, port: 53, protocol: udp, hash: addresses}]\n",
                   "t.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("vips[0].hash: 'addresses' balances fragments"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace xlb::config
