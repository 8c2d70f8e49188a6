#include "health/http_message.h"

#include <cstdio>

namespace xlb::health {

std::string host_header(const Target& target) {
  if (!target.spec.http_host.empty()) return target.spec.http_host;
  std::string host = target.address.is_v6() ? "[" + target.address.str() + "]" : target.address.str();
  uint16_t default_port = target.spec.type == CheckType::Https ? 443 : 80;
  if (target.port != default_port) host += ":" + std::to_string(target.port);
  return host;
}

std::optional<std::string> sni_name(const Target& target) {
  std::string host = target.spec.http_host;
  if (host.empty() || host.front() == '[') return std::nullopt;  // empty or "[v6]:port"
  // "name:port" -> "name"; a bare IPv6 literal has several colons and stays whole.
  auto colon = host.find(':');
  if (colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) host.resize(colon);
  if (host.empty() || IpAddr::parse(host).ok()) return std::nullopt;
  return host;
}

namespace {

bool breaks_request(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n \0", 4)) != std::string_view::npos;
}

}  // namespace

Result<std::string> http_request(const Target& target) {
  std::string path = target.spec.http_path.empty() ? "/" : target.spec.http_path;
  std::string host = host_header(target);
  if (breaks_request(path)) return Error{"invalid HTTP path '" + printable(path) + "'"};
  if (breaks_request(host)) return Error{"invalid HTTP host '" + printable(host) + "'"};
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nUser-Agent: xlb-health\r\n\r\n";
}

Result<int> parse_status_line(std::string_view line) {
  auto bad = [&] { return Error{"malformed status line '" + printable(line) + "'"}; };
  // HTTP-version SP 3DIGIT [SP reason]; the version is "HTTP/" and a digit at least.
  if (line.substr(0, 5) != "HTTP/") return bad();
  auto space = line.find(' ');
  if (space == std::string_view::npos || space == 5) return bad();
  auto code = line.substr(space + 1);
  if (code.size() < 3 || (code.size() > 3 && code[3] != ' ')) return bad();
  int status = 0;
  for (char c : code.substr(0, 3)) {
    if (c < '0' || c > '9') return bad();
    status = status * 10 + (c - '0');
  }
  if (status < 100) return bad();
  return status;
}

bool status_expected(int status, const std::vector<StatusRange>& ranges) {
  for (const auto& r : ranges)
    if (status >= r.lo && status <= r.hi) return true;
  return false;
}

std::string printable(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace xlb::health
