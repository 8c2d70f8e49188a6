// The API commands' pure parts: table rendering, flags -> request bodies,
// where the endpoint and token come from, endpoint URLs, revision diffs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "cli/api_client.h"
#include "cli/api_config.h"
#include "cli/api_resources.h"
#include "cli/revision_view.h"
#include "cli/status_view.h"
#include "cli/table.h"
#include "common/url.h"

namespace xlb::cli {
namespace {

using nlohmann::json;

TEST(CliTable, AlignsColumnsOnTheWidestCellWithoutTrailingBlanks) {
  EXPECT_EQ(render_table({"id", "name", "port"}, {{"a1", "web", "80"}, {"b22222", "", "8080"}}),
            "id      name  port\n"
            "a1      web   80\n"
            "b22222        8080\n");
}

TEST(CliTable, RendersItemsWithMissingKeysAsDashes) {
  json items = json::array({{{"id", "x"}, {"weight", 3}, {"backup", false}}, {{"id", "y"}, {"weight", nullptr}}});
  EXPECT_EQ(render_items({"id", "weight", "backup"}, items),
            "id  weight  backup\n"
            "x   3       false\n"
            "y   -       -\n");
}

TEST(CliTable, CellTextOfListsAndObjects) {
  EXPECT_EQ(cell_text(json::array({{{"id", "l1"}}, {{"id", "l2"}}})), "l1,l2");
  EXPECT_EQ(cell_text(json::array({"TCP", "UDP"})), "TCP,UDP");
  EXPECT_EQ(cell_text(json::array()), "");
  EXPECT_EQ(cell_text(json{{"a", 1}}), "{\"a\":1}");
  EXPECT_EQ(cell_text(json()), "-");
  EXPECT_EQ(cell_text(1.1), "1.1");
}

TEST(CliTable, FieldsPutTheChosenKeysFirst) {
  json lb = {{"admin_state_up", true}, {"id", "5c0c"}, {"name", "web"}};
  EXPECT_EQ(render_fields(lb, {"id", "name", "provisioning_status"}),
            "field           value\n"
            "id              5c0c\n"
            "name            web\n"
            "admin_state_up  true\n");
}

std::map<std::string, std::string> flags(std::initializer_list<std::pair<const std::string, std::string>> v) {
  return v;
}

TEST(CliRequestBody, MemberCreateMapsFlagsToTypedFields) {
  auto body = request_body(resource_spec("member"),
                           flags({{"address", "10.0.0.1"}, {"port", "8080"}, {"weight", "10"}, {"backup", "yes"},
                                  {"tags", "a,b"}, {"admin-state-up", "false"}}),
                           BodyMode::create);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, json::parse(R"({"member": {"address": "10.0.0.1", "protocol_port": 8080, "weight": 10,
                                 "backup": true, "tags": ["a", "b"], "admin_state_up": false}})"));
}

TEST(CliRequestBody, MissingRequiredFlagIsNamed) {
  auto body = request_body(resource_spec("listener"), flags({{"protocol", "TCP"}, {"port", "80"}}), BodyMode::create);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().message, "--loadbalancer is required");
}

TEST(CliRequestBody, WrongTypesAreRefusedWithTheFlag) {
  const auto& hm = resource_spec("healthmonitor");
  auto bad_int = request_body(hm, flags({{"delay", "5s"}}), BodyMode::update);
  ASSERT_FALSE(bad_int);
  EXPECT_EQ(bad_int.error().message, "--delay: expected a whole number, got '5s'");
  auto bad_bool = request_body(resource_spec("member"), flags({{"backup", "maybe"}}), BodyMode::update);
  ASSERT_FALSE(bad_bool);
  EXPECT_EQ(bad_bool.error().message, "--backup: expected true or false, got 'maybe'");
  auto version = request_body(hm, flags({{"http-version", "1.1"}}), BodyMode::update);
  ASSERT_TRUE(version);
  EXPECT_EQ((*version)["healthmonitor"]["http_version"], 1.1);
}

TEST(CliRequestBody, UpdateRefusesCreateOnlyFieldsAndEmptyChanges) {
  const auto& member = resource_spec("member");
  auto address = request_body(member, flags({{"address", "10.0.0.2"}}), BodyMode::update);
  ASSERT_FALSE(address);
  EXPECT_EQ(address.error().message, "--address cannot change after creation");
  auto nothing = request_body(member, {}, BodyMode::update);
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().message, "nothing to change: give at least one field flag");
}

TEST(CliRequestBody, NoneClearsAReferenceOnUpdateAndEmptyTagsIsAnEmptyList) {
  auto body = request_body(resource_spec("listener"), flags({{"default-pool", "none"}, {"tags", ""}}),
                           BodyMode::update);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, json::parse(R"({"listener": {"default_pool_id": null, "tags": []}})"));
}

struct Env {
  std::map<std::string, std::string> vars;
  std::function<const char*(const char*)> getter() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

class CliConnection : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("xlb-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "xlb");
    env_.vars["XDG_CONFIG_HOME"] = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write_config(const std::string& text) { std::ofstream(dir_ / "xlb" / "cli.yaml") << text; }
  std::string config_path() const { return (dir_ / "xlb" / "cli.yaml").string(); }

  std::filesystem::path dir_;
  Env env_;
};

TEST_F(CliConnection, DefaultsWithoutFlagsEnvironmentOrFile) {
  auto c = resolve_connection({}, env_.getter());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:9876");
  EXPECT_EQ(c->endpoint_from, "default");
  EXPECT_EQ(c->token, "");
  EXPECT_EQ(c->token_from, "none");
}

TEST_F(CliConnection, FlagsBeatEnvironmentWhichBeatsTheFile) {
  write_config("endpoint: http://file:1\ntoken: file-token\n");
  auto from_file = resolve_connection({}, env_.getter());
  ASSERT_TRUE(from_file);
  EXPECT_EQ(from_file->endpoint, "http://file:1");
  EXPECT_EQ(from_file->token, "file-token");
  EXPECT_EQ(from_file->token_from, config_path());

  env_.vars["XLB_ENDPOINT"] = "http://env:2";
  env_.vars["XLB_TOKEN"] = "env-token";
  auto from_env = resolve_connection({}, env_.getter());
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->endpoint, "http://env:2");
  EXPECT_EQ(from_env->token, "env-token");

  ConnectionFlags flags{.endpoint = "http://flag:3", .token = std::nullopt, .config_file = std::nullopt};
  auto mixed = resolve_connection(flags, env_.getter());
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->endpoint, "http://flag:3");
  EXPECT_EQ(mixed->endpoint_from, "--endpoint");
  EXPECT_EQ(mixed->token, "env-token");
  EXPECT_EQ(mixed->token_from, "XLB_TOKEN");
}

TEST_F(CliConnection, ExplicitConfigFileReplacesTheDefaultOneAndMustExist) {
  write_config("token: default-file\n");
  const auto other = (dir_ / "other.yaml").string();
  std::ofstream(other) << "token: other-file\n";
  auto c = resolve_connection({.config_file = other}, env_.getter());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->token, "other-file");
  auto missing = resolve_connection({.config_file = (dir_ / "nope.yaml").string()}, env_.getter());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, (dir_ / "nope.yaml").string() + ": cannot read the CLI config file");
}

TEST_F(CliConnection, ConfigMistakesNameFileAndLine) {
  write_config("endpoint: http://x:1\ntokn: abc\n");
  auto c = resolve_connection({}, env_.getter());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, config_path() + ":2: unknown key tokn (expected endpoint, token)");
  write_config("token: [a, b]\n");
  auto list = resolve_connection({}, env_.getter());
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message, config_path() + ":1: token must be a non-empty string");
}

TEST(CliConnectionPath, HomeWithoutXdg) {
  Env env{{{"HOME", "/home/u"}}};
  EXPECT_EQ(default_config_path(env.getter()), "/home/u/.config/xlb/cli.yaml");
}

TEST(CliEndpoint, ParsesHostPortAndBase) {
  auto e = std::get<Endpoint>(Endpoint::parse("http://ctl.example:1234/api/"));
  EXPECT_EQ(e.host, "ctl.example");
  EXPECT_EQ(e.port, 1234);
  EXPECT_EQ(e.base, "/api");
  auto v6 = std::get<Endpoint>(Endpoint::parse("http://[::1]:9000"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.str(), "http://[::1]:9000");
  EXPECT_EQ(std::get<Endpoint>(Endpoint::parse("http://10.0.0.1")).port, 9876);
}

TEST(CliEndpoint, RefusesWhatItCannotUse) {
  EXPECT_EQ(std::get<std::string>(Endpoint::parse("https://x")), "endpoint https://x: https is not supported, use http://");
  EXPECT_EQ(std::get<std::string>(Endpoint::parse("x:9876")), "endpoint x:9876: must start with http://");
  EXPECT_EQ(std::get<std::string>(Endpoint::parse("http://x:99999")), "endpoint http://x:99999: the port must be 1-65535");
  EXPECT_EQ(std::get<std::string>(Endpoint::parse("http://:80")), "endpoint http://:80: no host");
}

TEST(CliExitCodes, FollowTheStatus) {
  EXPECT_EQ(exit_code_for_status(401), ExitCode::auth);
  EXPECT_EQ(exit_code_for_status(403), ExitCode::auth);
  EXPECT_EQ(exit_code_for_status(404), ExitCode::not_found);
  EXPECT_EQ(exit_code_for_status(409), ExitCode::conflict);
  EXPECT_EQ(exit_code_for_status(400), ExitCode::rejected);
  EXPECT_EQ(exit_code_for_status(413), ExitCode::rejected);
  EXPECT_EQ(exit_code_for_status(500), ExitCode::server);
  EXPECT_EQ(percent_encode("a b/é"), "a%20b%2F%C3%A9");  // names in queries
}

TEST(CliRevisionDiff, ChangesBetweenTwoStates) {
  json before = json::parse(R"({"loadbalancers": {"l1": {"name": "web"}},
                                "members": {"m1": {"weight": 1, "address": "10.0.0.1"}, "m2": {"weight": 1}}})");
  json after = json::parse(R"({"loadbalancers": {"l1": {"name": "web"}},
                               "members": {"m1": {"weight": 5, "address": "10.0.0.1"}, "m3": {"address": "10.0.0.3"}}})");
  json changes = state_changes(before, after);
  EXPECT_EQ(changes, json::parse(R"([
    {"action": "update", "kind": "member", "id": "m1", "fields": {"weight": {"before": 1, "after": 5}}},
    {"action": "delete", "kind": "member", "id": "m2", "before": {"weight": 1}},
    {"action": "create", "kind": "member", "id": "m3", "after": {"address": "10.0.0.3"}}])"));
  EXPECT_EQ(render_changes(changes),
            "action  kind    id  change\n"
            "update  member  m1  weight 1 -> 5\n"
            "delete  member  m2\n"
            "create  member  m3  address=10.0.0.3\n");
  EXPECT_EQ(state_changes(after, after), json::array());
  EXPECT_EQ(render_changes(json::array()), "no changes\n");
}

TEST(CliStatusTree, IndentsChildrenUnderTheirParents) {
  json statuses = json::parse(R"({"statuses": {"loadbalancer": {"id": "l", "name": "web",
    "provisioning_status": "ACTIVE", "operating_status": "ONLINE",
    "listeners": [{"id": "t", "name": "", "protocol": "TCP", "protocol_port": 80, "provisioning_status": "ACTIVE",
      "operating_status": "ONLINE", "pools": [{"id": "p", "name": "web-pool", "provisioning_status": "ACTIVE",
        "operating_status": "ONLINE", "health_monitor": {"id": "h", "type": "HTTP", "name": "",
          "provisioning_status": "ACTIVE", "operating_status": "ONLINE"},
        "members": [{"id": "m", "name": "b1", "address": "10.0.0.1", "protocol_port": 8080,
          "provisioning_status": "ACTIVE", "operating_status": "NO_MONITOR"}]}]}],
    "pools": []}}})");
  EXPECT_EQ(render_status_tree(statuses),
            "resource             id  what              provisioning_status  operating_status\n"
            "loadbalancer         l   web               ACTIVE               ONLINE\n"
            "  listener           t   TCP/80            ACTIVE               ONLINE\n"
            "    pool             p   web-pool          ACTIVE               ONLINE\n"
            "      healthmonitor  h                     ACTIVE               ONLINE\n"
            "      member         m   10.0.0.1:8080 b1  ACTIVE               NO_MONITOR\n");
}

}  // namespace
}  // namespace xlb::cli
