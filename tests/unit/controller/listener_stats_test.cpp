// The counters behind /stats: a report checked whole before anything is
// taken, sums over agents, resets turned into running totals, and rows kept
// in the database across a reopen.
#include "controller/listener_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "controller/store.h"

namespace xlb::controller {
namespace {

Counters counters(int64_t bytes, int64_t packets, int64_t connections, int64_t errors) {
  return Counters{bytes, packets, connections, errors};
}

json entry(const std::string& listener, int64_t bytes, int64_t packets, int64_t connections, int64_t errors) {
  return {{"listener_id", listener},
          {"bytes_in", bytes},
          {"packets_in", packets},
          {"total_connections", connections},
          {"request_errors", errors}};
}

TEST(ListenerStats, SumsOverAgentsAndKeepsWhatCameBeforeAReset) {
  auto stats = ListenerStats::in_memory();
  ASSERT_TRUE(stats.record("a", {{"web", counters(100, 10, 2, 1)}}).ok());
  ASSERT_TRUE(stats.record("b", {{"web", counters(50, 5, 1, 0)}, {"mail", counters(7, 1, 1, 0)}}).ok());
  EXPECT_EQ(stats.total("web"), counters(150, 15, 3, 1));
  EXPECT_EQ(stats.total("mail"), counters(7, 1, 1, 0));
  EXPECT_EQ(stats.total("nobody"), Counters{});
  // Growing counters replace; a smaller one is a fresh start on that node.
  ASSERT_TRUE(stats.record("a", {{"web", counters(120, 12, 2, 1)}}).ok());
  EXPECT_EQ(stats.total("web"), counters(170, 17, 3, 1));
  ASSERT_TRUE(stats.record("a", {{"web", counters(30, 3, 1, 0)}}).ok());
  EXPECT_EQ(stats.total("web"), counters(200, 20, 4, 1));
  // A reset seen in one counter only (the others grew past their old values
  // before the report) still keeps the rest.
  ASSERT_TRUE(stats.record("a", {{"web", counters(10, 30, 5, 3)}}).ok());
  EXPECT_EQ(stats.total("web"), counters(150 + 10 + 50, 12 + 3 + 30 + 5, 2 + 1 + 5 + 1, 1 + 0 + 3 + 0));
  // A listener an agent no longer reports keeps its last count.
  ASSERT_TRUE(stats.record("b", {}).ok());
  EXPECT_EQ(stats.total("mail"), counters(7, 1, 1, 0));
}

TEST(ListenerStats, ParsingRefusesAnythingButWholeCountsOfKnownFields) {
  auto ok = ListenerStats::parse(json::array({entry("web", 1, 2, 3, 4), entry("dns", 0, 0, 0, 0)}));
  ASSERT_TRUE(ok.ok()) << ok.fault().message;
  EXPECT_EQ(ok->at("web"), counters(1, 2, 3, 4));
  EXPECT_EQ(ok->at("dns"), Counters{});
  // The largest a uint64 counter may be and still mean something here.
  json biggest = entry("web", 0, 0, 0, 0);
  biggest["bytes_in"] = uint64_t(INT64_MAX);
  auto big = ListenerStats::parse(json::array({biggest}));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->at("web").bytes_in, INT64_MAX);

  auto refusal = [](const json& list) {
    auto r = ListenerStats::parse(list);
    return r.ok() ? std::string("accepted") : r.fault().message;
  };
  EXPECT_EQ(refusal(json::object()), "stats must be a list");
  EXPECT_EQ(refusal(json::array({1})), "Each stats entry must be an object with a listener_id");
  EXPECT_EQ(refusal(json::array({{{"listener_id", 5}}})), "Each stats entry must be an object with a listener_id");
  EXPECT_EQ(refusal(json::array({entry("", 0, 0, 0, 0)})), "A stats listener_id is 1 to 64 characters");
  EXPECT_EQ(refusal(json::array({{{"listener_id", "web"}, {"bytes_in", 5}}})),
            "A stats entry lacks packets_in (each has listener_id, bytes_in, packets_in, total_connections, "
            "request_errors)");
  EXPECT_EQ(refusal(json::array({entry("web", 1, 1, 1, 1), entry("web", 2, 2, 2, 2)})),
            "The listener web appears twice in stats");
  for (const json& bad : {json(-1), json(1.5), json("7"), json(nullptr), json(uint64_t(INT64_MAX) + 1)}) {
    json e = entry("web", 0, 0, 0, 0);
    e["packets_in"] = bad;
    EXPECT_EQ(refusal(json::array({e})),
              "The stats field packets_in must be a whole number from 0 to 2^63-1")
        << bad.dump();
  }
  json unknown = entry("web", 0, 0, 0, 0);
  unknown["active_connections"] = 1;
  EXPECT_EQ(refusal(json::array({unknown})),
            "Unknown stats field: active_connections (known: listener_id, bytes_in, packets_in, total_connections, "
            "request_errors)");
}

TEST(ListenerStats, TotalsNeverWrapAround) {
  auto stats = ListenerStats::in_memory();
  ASSERT_TRUE(stats.record("a", {{"web", counters(INT64_MAX, 0, 0, 0)}}).ok());
  ASSERT_TRUE(stats.record("b", {{"web", counters(INT64_MAX, 0, 0, 0)}}).ok());
  EXPECT_EQ(stats.total("web").bytes_in, INT64_MAX);
}

TEST(ListenerStats, RenderedAsOctaviasStatsWithNothingSeenOfTheReturnPath) {
  EXPECT_EQ(ListenerStats::render(counters(10, 2, 3, 4)),
            json({{"bytes_in", 10}, {"bytes_out", 0}, {"active_connections", 0}, {"total_connections", 3},
                  {"request_errors", 4}}));
}

TEST(ListenerStats, KeptInTheDatabaseAcrossAReopen) {
  const auto dir = std::filesystem::temp_directory_path() / ("xlb-listener-stats-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "controller.db").string();
  ASSERT_TRUE(Store::open(path).ok());  // migrates
  {
    auto stats = ListenerStats::open(path);
    ASSERT_TRUE(stats.ok()) << stats.error().message;
    ASSERT_TRUE(stats->record("a", {{"web", counters(100, 10, 2, 1)}}).ok());
    ASSERT_TRUE(stats->record("a", {{"web", counters(5, 1, 1, 0)}}).ok());  // a reset: base 100
  }
  auto reopened = ListenerStats::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ(reopened->total("web"), counters(105, 11, 3, 1));
  // The base survived too: another reset still keeps everything.
  ASSERT_TRUE(reopened->record("a", {{"web", counters(1, 1, 1, 0)}}).ok());
  EXPECT_EQ(reopened->total("web"), counters(106, 12, 4, 1));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xlb::controller
