// The agent's logs: levelled lines with a timestamp, and events (what
// changed, on what, why) written as logfmt key=value pairs so that both
// people and log shippers read them. In JSON format every line is one JSON
// object and an event's pairs become its fields.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/formatter.h>

namespace xlb {

enum class LogFormat { Text, Json };

// level: trace, debug, info, warn, error.
void setup_logging(const std::string& level, LogFormat format);

using LogField = std::pair<std::string_view, std::string>;

// "event=service_updated service=198.51.100.10:80/tcp change=\"backend ... -> 3\""
// Values with spaces, quotes, '=' or nothing at all are quoted.
std::string event_line(std::string_view event, std::initializer_list<LogField> fields);

// The pairs of an event line, in order ({"event", ...} first); empty if the
// line is not an event (does not start with "event=").
std::vector<std::pair<std::string, std::string>> parse_event_line(std::string_view line);

// One JSON object per record: {"ts", "level", "msg", and an event's fields}.
std::unique_ptr<spdlog::formatter> make_json_formatter();

}  // namespace xlb
