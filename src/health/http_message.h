// The text side of the HTTP(S) check: the request we send and the status line
// we read back. Pure functions, so the parsing is tested without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "health/checker.h"

namespace xlb::health {

// The Host header: spec.http_host, or the address ("[v6]" bracketed) with
// ":port" unless the port is the scheme's default.
std::string host_header(const Target& target);

// The TLS server name: the host part of spec.http_host, none when that is
// empty or an IP literal (RFC 6066 forbids addresses in SNI).
std::optional<std::string> sni_name(const Target& target);

// "GET <path> HTTP/1.1" with Host, Connection: close and User-Agent. Fails on
// a path or host that would break the request (CR, LF, space, NUL).
Result<std::string> http_request(const Target& target);

// "HTTP/1.1 200 OK" (without the CRLF) -> 200.
Result<int> parse_status_line(std::string_view line);

bool status_expected(int status, const std::vector<StatusRange>& ranges);

// Up to `max` bytes of untrusted text, with anything unprintable escaped, for
// quoting in a reason.
std::string printable(std::string_view text, size_t max = 64);

}  // namespace xlb::health
