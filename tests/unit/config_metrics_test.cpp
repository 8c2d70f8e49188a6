// node.metrics_listen: default, IPv4 and IPv6 forms, off, and the errors
// (with file:line) for what is not an address:port.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace xlb::config {
namespace {

Result<Config> with_listen(const std::string& value) {
  return parse("node:\n  interface: eth0\n  metrics_listen: " + value + "\n", "t.yaml");
}

std::string error_of(const std::string& value) {
  auto cfg = with_listen(value);
  EXPECT_FALSE(cfg.ok()) << "accepted: " << value;
  return cfg.ok() ? "" : cfg.error().message;
}

TEST(ConfigMetrics, DefaultIsLoopbackPort9810) {
  auto cfg = parse("node: {interface: eth0}\n", "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_TRUE(cfg->node.metrics_listen.has_value());
  EXPECT_EQ(cfg->node.metrics_listen->str(), "127.0.0.1:9810");
  EXPECT_EQ(metrics_listen_name(cfg->node.metrics_listen), "127.0.0.1:9810");
}

TEST(ConfigMetrics, AnEmptyFieldKeepsTheDefault) {
  auto cfg = parse("node:\n  interface: eth0\n  metrics_listen:\n", "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_TRUE(cfg->node.metrics_listen.has_value());
  EXPECT_EQ(cfg->node.metrics_listen->str(), "127.0.0.1:9810");
}

TEST(ConfigMetrics, Ipv4AndIpv6Addresses) {
  auto v4 = with_listen("198.18.1.2:9100");
  ASSERT_TRUE(v4.ok()) << v4.error().message;
  EXPECT_EQ(v4->node.metrics_listen->str(), "198.18.1.2:9100");
  EXPECT_TRUE(v4->node.metrics_listen->address.is_v4());
  EXPECT_EQ(v4->node.metrics_listen->port, 9100);

  auto v6 = with_listen("\"[::1]:9810\"");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_TRUE(v6->node.metrics_listen->address.is_v6());
  EXPECT_EQ(v6->node.metrics_listen->str(), "[::1]:9810");

  auto any6 = with_listen("\"[::]:9810\"");
  ASSERT_TRUE(any6.ok()) << any6.error().message;
  EXPECT_EQ(any6->node.metrics_listen->str(), "[::]:9810");
}

TEST(ConfigMetrics, OffAndEmptyStringDisable) {
  for (const char* value : {"off", "OFF", "\"\"", "''"}) {
    auto cfg = with_listen(value);
    ASSERT_TRUE(cfg.ok()) << value << ": " << cfg.error().message;
    EXPECT_FALSE(cfg->node.metrics_listen.has_value()) << value;
    EXPECT_EQ(metrics_listen_name(cfg->node.metrics_listen), "off");
  }
}

TEST(ConfigMetrics, BadValuesNameTheLineFieldAndForm) {
  std::string e = error_of("localhost:9810");
  EXPECT_NE(e.find("t.yaml:3: node.metrics_listen: "), std::string::npos) << e;
  EXPECT_NE(e.find("'localhost' is not an IPv4 or IPv6 address"), std::string::npos) << e;
  EXPECT_NE(e.find("or off"), std::string::npos) << e;

  e = error_of("127.0.0.1");
  EXPECT_NE(e.find("'127.0.0.1' has no port"), std::string::npos) << e;

  e = error_of("\"::1:9810\"");
  EXPECT_NE(e.find("an IPv6 address needs brackets, e.g. [::1]:9810"), std::string::npos) << e;

  for (const char* port : {"0", "65536", "http", "", "99999999999999999999"}) {
    e = error_of(std::string("\"127.0.0.1:") + port + "\"");
    EXPECT_NE(e.find("the port must be a number in 1..65535"), std::string::npos) << port << ": " << e;
  }

  e = error_of("\"[127.0.0.1]:9810\"");
  EXPECT_NE(e.find("only IPv6 addresses go in brackets"), std::string::npos) << e;

  e = error_of("\"[::1:9810\"");
  EXPECT_NE(e.find("is not an address and port"), std::string::npos) << e;

  e = error_of("[a, b]");
  EXPECT_NE(e.find("node.metrics_listen: expected a single value, got a list"), std::string::npos) << e;
}

TEST(ConfigMetrics, ChangingItNeedsARestart) {
  auto running = with_listen("127.0.0.1:9810");
  auto candidate = with_listen("off");
  ASSERT_TRUE(running.ok() && candidate.ok());
  EXPECT_EQ(restart_required_changes(*running, *candidate),
            (std::vector<std::string>{"node.metrics_listen: 127.0.0.1:9810 -> off"}));
  EXPECT_TRUE(restart_required_changes(*running, *running).empty());
}

}  // namespace
}  // namespace xlb::config
