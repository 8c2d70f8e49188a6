// Event lines: logfmt that reads back to the same pairs, and the JSON
// formatter that turns them into fields.
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <nlohmann/json.hpp>

#include "common/logging.h"

namespace xlb {
namespace {

TEST(EventLine, PlainValuesStayBareOthersAreQuoted) {
  EXPECT_EQ(event_line("backend_down", {{"service", "198.51.100.10:80/tcp"}, {"reason", "connect refused"}}),
            "event=backend_down service=198.51.100.10:80/tcp reason=\"connect refused\"");
  EXPECT_EQ(event_line("x", {{"empty", ""}, {"quote", "say \"hi\"\n"}, {"eq", "a=b"}}),
            "event=x empty=\"\" quote=\"say \\\"hi\\\"\\n\" eq=\"a=b\"");
}

TEST(EventLine, ParsesBackToTheSamePairs) {
  auto line = event_line("service_updated", {{"change", "backend 198.18.11.2 weight 1 -> 3"},
                                             {"note", "a \"quoted\" \\ value"},
                                             {"cause", "reload"}});
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(parse_event_line(line), (Pairs{{"event", "service_updated"},
                                           {"change", "backend 198.18.11.2 weight 1 -> 3"},
                                           {"note", "a \"quoted\" \\ value"},
                                           {"cause", "reload"}}));
  EXPECT_TRUE(parse_event_line("XDP program attached to eth0").empty());
}

std::string format_json(spdlog::level::level_enum level, const std::string& text) {
  auto f = make_json_formatter();
  spdlog::details::log_msg msg(spdlog::source_loc{}, "", level, text);
  spdlog::memory_buf_t buf;
  f->format(msg, buf);
  return std::string(buf.data(), buf.size());
}

TEST(JsonLog, AnEventsPairsBecomeFields) {
  auto line = format_json(spdlog::level::warn, event_line("backend_down", {{"backend", "198.18.12.2"},
                                                                           {"reason", "timeout"}}));
  ASSERT_EQ(line.back(), '\n');
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["event"], "backend_down");
  EXPECT_EQ(j["backend"], "198.18.12.2");
  EXPECT_EQ(j["reason"], "timeout");
  EXPECT_EQ(j["ts"].get<std::string>().size(), std::string("2026-12-01T18:00:00.000Z").size());
}

TEST(JsonLog, PlainMessagesAndBadBytesStillMakeOneObject) {
  auto j = nlohmann::json::parse(format_json(spdlog::level::info, "line one\nline \"two\" \xff"));
  EXPECT_EQ(j["level"], "info");
  EXPECT_FALSE(j.contains("event"));
  EXPECT_NE(j["msg"].get<std::string>().find("line \"two\""), std::string::npos);
}

}  // namespace
}  // namespace xlb
