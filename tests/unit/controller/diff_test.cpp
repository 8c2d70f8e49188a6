// The diff between two desired states: creates, deletes and field-level
// updates, in kind order then id order, and nothing for equal states.
#include "controller/diff.h"

#include <gtest/gtest.h>

namespace xlb::controller {
namespace {

State with(std::initializer_list<std::tuple<Kind, std::string, json>> records) {
  State s;
  for (const auto& [k, id, r] : records) s.collection(k)[id] = r;
  return s;
}

TEST(Diff, EqualStatesHaveNoDiff) {
  State a = with({{Kind::member, "m1", {{"weight", 1}}}});
  EXPECT_EQ(diff(a, a), json::array());
  EXPECT_EQ(diff(State(), State()), json::array());
}

TEST(Diff, CreateUpdateDeleteInKindThenIdOrder) {
  State before = with({{Kind::member, "m1", {{"weight", 1}, {"backup", false}}},
                       {Kind::member, "m2", {{"weight", 1}}},
                       {Kind::pool, "p1", {{"lb_algorithm", "SOURCE_IP"}}}});
  State after = with({{Kind::member, "m1", {{"weight", 5}, {"backup", false}, {"monitor_port", 9000}}},
                      {Kind::member, "m0", {{"weight", 2}}},
                      {Kind::pool, "p1", {{"lb_algorithm", "SOURCE_IP"}}},
                      {Kind::loadbalancer, "lb", {{"name", "x"}}}});
  json expected = json::parse(R"([
    {"action": "create", "kind": "loadbalancer", "id": "lb", "after": {"name": "x"}},
    {"action": "create", "kind": "member", "id": "m0", "after": {"weight": 2}},
    {"action": "update", "kind": "member", "id": "m1",
     "fields": {"weight": {"before": 1, "after": 5}, "monitor_port": {"before": null, "after": 9000}}},
    {"action": "delete", "kind": "member", "id": "m2", "before": {"weight": 1}}
  ])");
  EXPECT_EQ(diff(before, after), expected) << diff(before, after).dump(2);
}

TEST(Diff, ARemovedFieldShowsAsNull) {
  State before = with({{Kind::listener, "l", {{"default_pool_id", "p"}, {"name", "a"}}}});
  State after = with({{Kind::listener, "l", {{"name", "a"}}}});
  EXPECT_EQ(diff(before, after)[0]["fields"], json::parse(R"({"default_pool_id": {"before": "p", "after": null}})"));
}

TEST(Diff, ReversedDiffSwapsCreatesAndDeletes) {
  State a = with({{Kind::healthmonitor, "h", {{"delay", 5}}}});
  State b;
  EXPECT_EQ(diff(a, b)[0]["action"], "delete");
  EXPECT_EQ(diff(b, a)[0]["action"], "create");
}

TEST(State, SerializesDeterministicallyAndParsesBack) {
  State a = with({{Kind::member, "m2", {{"z", 1}, {"a", 2}}}, {Kind::member, "m1", {{"weight", 1}}}});
  State b = with({{Kind::member, "m1", {{"weight", 1}}}, {Kind::member, "m2", {{"a", 2}, {"z", 1}}}});
  EXPECT_EQ(a.serialize(), b.serialize());
  auto parsed = State::parse(a.serialize());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(*parsed == a);
  EXPECT_FALSE(State::parse("[1]").ok());
  EXPECT_FALSE(State::parse("{\"members\": []}").ok());
  EXPECT_TRUE(State::parse("{}").ok());  // an empty document is an empty state
}

}  // namespace
}  // namespace xlb::controller
