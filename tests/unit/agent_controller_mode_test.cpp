// Controller mode's pieces that need no controller: the desired state joined
// with the local node section and checked by the config decoder, its saved
// copy, and the controller URL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "agent/desired_state.h"
#include "http/client.h"

namespace xlb::agent {
namespace {

class DesiredStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xlb-desired-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    write("node.yaml", "node:\n  interface: eth0\n  encap_source_v4: 198.18.200.0/24\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  void write(const char* name, const std::string& text) const { std::ofstream(path(name)) << text; }

  std::filesystem::path dir_;
};

const char* kDesired = R"({"desired": {"revision": 12, "group": "g", "vips": [
  {"name": "web", "address": "198.51.100.10", "port": 80, "protocol": "tcp", "hash": "source",
   "health_check": {"type": "tcp", "interval_ms": 2000, "timeout_ms": 1000, "rise": 2, "fall": 3},
   "backends": [{"address": "198.18.11.2", "weight": 3, "state": "active", "monitor_port": 8080}]}]}})";

TEST_F(DesiredStateTest, TheControllersVipsJoinTheLocalNodeSection) {
  auto d = parse_desired(kDesired);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->revision, 12);
  auto cfg = config_with(path("node.yaml"), *d);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->node.interface, "eth0");
  ASSERT_EQ(cfg->vips.size(), 1u);
  EXPECT_EQ(cfg->vips[0].name, "web");
  EXPECT_EQ(cfg->vips[0].hash, config::HashMode::SourceOnly);
  ASSERT_EQ(cfg->vips[0].backends.size(), 1u);
  EXPECT_EQ(cfg->vips[0].backends[0].weight, 3u);
  EXPECT_EQ(cfg->vips[0].backends[0].monitor_port, 8080);
}

TEST_F(DesiredStateTest, WhatTheDecoderRefusesIsAnErrorNamingTheRevision) {
  auto d = parse_desired(R"({"revision": 3, "vips": [{"address": "198.51.100.10", "port": 80, "protocol": "sctp"}]})");
  ASSERT_TRUE(d.ok());
  auto cfg = config_with(path("node.yaml"), *d);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("revision 3"), std::string::npos) << cfg.error().message;
  EXPECT_FALSE(parse_desired("{\"revision\": \"x\"}").ok());
  EXPECT_FALSE(parse_desired("not json").ok());
}

TEST_F(DesiredStateTest, ALocalFileWithVipsIsRefused) {
  write("node.yaml", "node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n"
                     "vips: [{address: 198.51.100.10, port: 80, protocol: tcp, backends: [{address: 198.18.11.2}]}]\n");
  auto local = local_config(path("node.yaml"));
  ASSERT_FALSE(local.ok());
  EXPECT_NE(local.error().message.find("the VIPs come from the controller"), std::string::npos);
  EXPECT_FALSE(config_with(path("node.yaml"), *parse_desired(kDesired)).ok());
}

TEST_F(DesiredStateTest, SavedAndLoadedBack) {
  auto none = load_desired(path("desired.json"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto d = parse_desired(kDesired);
  ASSERT_TRUE(save_desired(path("desired.json"), *d).ok());
  auto back = load_desired(path("desired.json"));
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->revision, 12);
  EXPECT_EQ((*back)->document, d->document);
  write("desired.json", "{\"revision\": ");
  EXPECT_FALSE(load_desired(path("desired.json")).ok());
}

TEST(ControllerUrl, Parsed) {
  auto u = http::Url::parse("http://127.0.0.1:9876");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((std::tuple{u->host, u->port, u->path}), (std::tuple{std::string("127.0.0.1"), uint16_t{9876}, std::string()}));
  u = http::Url::parse("http://[2001:db8::5]:80/api/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "2001:db8::5");
  EXPECT_EQ(u->path, "/api");
  EXPECT_EQ(u->str(), "http://[2001:db8::5]:80/api");
  EXPECT_EQ(http::Url::parse("http://ctl")->port, 80);
  for (const char* bad : {"https://x", "http://", "http://x:0", "http://x:70000", "http://[::1", "ftp://x"})
    EXPECT_FALSE(http::Url::parse(bad).ok()) << bad;
}

}  // namespace
}  // namespace xlb::agent
