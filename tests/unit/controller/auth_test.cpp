// The token file: good files map tokens to identities; every mistake is
// reported with its line, all at once.
#include "controller/auth.h"

#include <gtest/gtest.h>

namespace xlb::controller {
namespace {

TEST(Tokens, YamlAndJsonForms) {
  auto yaml = Tokens::parse(
      "tokens:\n"
      "  - token: aaaaaaaaaaaaaaaa1\n"
      "    name: alice\n"
      "    project_id: project-a\n"
      "  - token: bbbbbbbbbbbbbbbb2\n"
      "    name: ops\n"
      "    project_id: operators\n"
      "    roles: [admin]\n",
      "t.yaml");
  ASSERT_TRUE(yaml.ok()) << yaml.error().message;
  EXPECT_EQ(yaml->size(), 2u);
  const Identity* alice = yaml->find("aaaaaaaaaaaaaaaa1");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->project_id, "project-a");
  EXPECT_FALSE(alice->admin);
  EXPECT_TRUE(yaml->find("bbbbbbbbbbbbbbbb2")->admin);
  EXPECT_EQ(yaml->find("aaaaaaaaaaaaaaaa"), nullptr);
  EXPECT_EQ(yaml->find(""), nullptr);

  auto json = Tokens::parse(R"({"tokens": [{"token": "cccccccccccccccc3", "name": "c", "project_id": "pc",
                                             "roles": ["member"]}]})",
                            "t.json");
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_FALSE(json->find("cccccccccccccccc3")->admin);
}

TEST(Tokens, EveryMistakeWithItsLine) {
  auto bad = Tokens::parse(
      "tokens:\n"
      "  - token: short\n"             // line 2
      "    name: a\n"
      "    project_id: pa\n"
      "  - token: dddddddddddddddd4\n"  // line 5
      "    name: a\n"                   // line 6: twice
      "    project_id: 'p a'\n"         // line 7: a space
      "    roles: [root]\n"             // line 8
      "    colour: blue\n"              // line 9
      "  - name: nobody\n"              // line 10: no token
      "    project_id: pn\n",
      "t.yaml");
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.error().message;
  for (const char* part : {"t.yaml:2", "at least 16", "t.yaml:6", "used twice", "t.yaml:7", "letters, digits",
                           "t.yaml:8", "unknown role", "t.yaml:9", "unknown key", "t.yaml:10", "missing 'token'"})
    EXPECT_NE(m.find(part), std::string::npos) << part << " in:\n" << m;
  EXPECT_EQ(m.find("short"), std::string::npos) << "a token must never be echoed: " << m;
}

TEST(Tokens, ShapeErrors) {
  EXPECT_FALSE(Tokens::parse("", "t").ok());
  EXPECT_FALSE(Tokens::parse("tokens: []", "t").ok());
  EXPECT_FALSE(Tokens::parse("tokens: {a: 1}", "t").ok());
  EXPECT_FALSE(Tokens::parse("tokens: [", "t").ok());
  auto dup = Tokens::parse(
      "tokens:\n"
      "  - {token: eeeeeeeeeeeeeeee5, name: a, project_id: p}\n"
      "  - {token: eeeeeeeeeeeeeeee5, name: b, project_id: p}\n",
      "t");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("same token is given twice"), std::string::npos);
  EXPECT_FALSE(Tokens::load("/nonexistent/tokens.yaml").ok());
}

}  // namespace
}  // namespace xlb::controller
