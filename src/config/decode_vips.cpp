// Decoding the vips list: each VIP, its backends, rate limit and health check.
#include <limits>

#include "config/decoder.h"

namespace xlb::config::detail {

namespace {

constexpr std::string_view kVipKeys[] = {"name",      "address",    "port",         "protocol", "hash",
                                         "stateless", "rate_limit", "health_check", "backends", "allowed_cidrs"};
constexpr size_t kMaxAllowedCidrs = 1024;  // per VIP; the node holds XLB_ACL_MAX_PREFIXES in all
constexpr std::string_view kBackendKeys[] = {"address", "weight", "state", "monitor_address", "monitor_port",
                                             "backup"};
constexpr std::string_view kRateLimitKeys[] = {"rate", "burst"};
constexpr std::string_view kHealthCheckKeys[] = {"type", "interval_ms", "timeout_ms", "rise",   "fall",
                                                 "port", "path",        "host",       "expect_status", "payload"};

}  // namespace

void Decoder::decode_rate_limit(const Field& field, RateLimit& limit) {
  auto fields = mapping(field.value, field.path, field.line, kRateLimitKeys);
  if (!fields) return;
  if (auto f = required_field(*fields, "rate")) assign(number(*f, 0, kMaxRateLimit), limit.rate);
  limit.burst = limit.rate;  // one second's worth unless told otherwise
  if (auto f = optional_field(*fields, "burst")) assign(number(*f, 1, kMaxRateLimit), limit.burst);
}

// "200", "200-299", "200,204,300-399".
std::optional<std::vector<StatusRange>> Decoder::status_ranges(const Field& field) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  std::vector<StatusRange> out;
  std::string_view rest = *raw;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    size_t dash = item.find('-');
    auto lo = parse_whole_number(item.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : parse_whole_number(item.substr(dash + 1));
    if (!lo || !hi || *lo < 100 || *hi > 599 || *lo > *hi) {
      fail(field, quoted(*raw) + " is not a list of HTTP status codes or ranges (100..599), e.g. \"200-299,302\"");
      return std::nullopt;
    }
    out.push_back(StatusRange{static_cast<int>(*lo), static_cast<int>(*hi)});
  }
  if (out.empty()) fail(field, "needs at least one status code");
  return out.empty() ? std::nullopt : std::optional(out);
}

// Text that goes into a request line or header: no control characters, so a
// config cannot inject headers.
std::optional<std::string> Decoder::header_value(const Field& field, size_t max) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  const bool clean = std::none_of(raw->begin(), raw->end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) == 0x7f;
  });
  if (!clean || raw->empty() || raw->size() > max) {
    fail(field, quoted(*raw) + " must be 1.." + std::to_string(max) + " printable characters without spaces");
    return std::nullopt;
  }
  return raw;
}

void Decoder::decode_health_check(const Field& field, const Vip& vip, HealthCheck& check) {
  auto fields = mapping(field.value, field.path, field.line, kHealthCheckKeys);
  if (!fields) return;
  if (auto f = optional_field(*fields, "type"))
    assign(choice(*f, {CheckType::Tcp, CheckType::Http, CheckType::Https, CheckType::Udp, CheckType::Ping},
                  check_type_name),
           check.type);
  if (auto f = optional_field(*fields, "interval_ms"))
    assign(number(*f, kMinCheckIntervalMs, kMaxCheckIntervalMs), check.interval_ms);
  check.timeout_ms = std::min(check.timeout_ms, check.interval_ms);
  if (auto f = optional_field(*fields, "timeout_ms")) {
    assign(number(*f, 1, kMaxCheckIntervalMs), check.timeout_ms);
    if (check.timeout_ms > check.interval_ms)
      fail(*f, std::to_string(check.timeout_ms) + " is longer than interval_ms (" + std::to_string(check.interval_ms) +
                   "): a check must end before the next begins");
  }
  if (auto f = optional_field(*fields, "rise")) assign(number(*f, 1, kMaxRiseFall), check.rise);
  if (auto f = optional_field(*fields, "fall")) assign(number(*f, 1, kMaxRiseFall), check.fall);
  if (auto f = optional_field(*fields, "port")) {
    if (check.type == CheckType::Ping)
      fail(*f, "a ping check has no port");
    else
      assign(number(*f, 1, 65535), check.port);
  }
  const bool http = check.type == CheckType::Http || check.type == CheckType::Https;
  for (std::string_view key : {"path", "host", "expect_status"}) {
    if (auto f = optional_field(*fields, key); f && !http)
      fail(*f, "only for type http or https (this check is " + check_type_name(check.type) + ")");
  }
  if (auto f = optional_field(*fields, "payload"); f && check.type != CheckType::Udp)
    fail(*f, "only for type udp (this check is " + check_type_name(check.type) + ")");
  if (auto f = optional_field(*fields, "path"); f && http) {
    if (auto path = header_value(*f, 1024)) {
      if (!path->starts_with('/'))
        fail(*f, quoted(*path) + " must start with '/'");
      else
        check.path = *path;
    }
  }
  if (auto f = optional_field(*fields, "host"); f && http) assign(header_value(*f, 255), check.host);
  if (auto f = optional_field(*fields, "expect_status"); f && http) assign(status_ranges(*f), check.expect_status);
  if (auto f = optional_field(*fields, "payload"); f && check.type == CheckType::Udp) {
    if (auto payload = text(*f)) {
      if (payload->empty() || payload->size() > kMaxUdpPayload)
        fail(*f, "must be 1.." + std::to_string(kMaxUdpPayload) + " bytes");
      else
        check.payload = *payload;
    }
  }
  if (check.type == CheckType::Udp && vip.protocol == Protocol::Tcp)
    fail(field, "a udp check on a tcp VIP would probe a port the service does not serve");
  // A tcp or http check on a udp VIP is judged with the backends (decode_vip).
}

void Decoder::decode_vips(const Field& field, Config& config, Origins& origins) {
  if (!is_list(field)) return;
  origins.vips_line = field.line;
  origins.vips_listed = field.value.size();
  for (size_t i = 0; i < field.value.size(); ++i) decode_vip(field.value[i], item_path(field.path, i), config, origins);
}

void Decoder::decode_vip(const YAML::Node& item, const std::string& path, Config& config, Origins& origins) {
  auto fields = mapping(item, path, line_of(item), kVipKeys);
  if (!fields) return;
  Vip vip;
  VipOrigin origin{path, fields->line(), fields->line()};

  if (auto f = optional_field(*fields, "name")) assign(text(*f), vip.name);
  std::optional<IpAddr> address;
  std::optional<uint64_t> port;
  std::optional<Protocol> protocol;
  if (auto f = required_field(*fields, "address")) address = unicast_address(*f);
  if (auto f = required_field(*fields, "port")) port = number(*f, 0, 65535);
  if (auto f = required_field(*fields, "protocol"))
    protocol = choice(*f, {Protocol::Tcp, Protocol::Udp}, protocol_name);
  if (auto f = optional_field(*fields, "hash"))
    assign(choice(*f, {HashMode::FiveTuple, HashMode::SourceOnly, HashMode::Addresses}, hash_mode_name), vip.hash);
  if (auto f = optional_field(*fields, "hash"); f && vip.hash == HashMode::Addresses && port && *port != 0)
    fail(*f, "'addresses' balances fragments, which carry no port after the first: only for an all-ports VIP "
             "(port: 0)");
  if (auto f = optional_field(*fields, "stateless")) assign(boolean(*f), vip.stateless);
  if (auto f = optional_field(*fields, "rate_limit")) decode_rate_limit(*f, vip.rate_limit);
  if (auto f = optional_field(*fields, "allowed_cidrs")) decode_allowed_cidrs(*f, address, vip);
  assign(protocol, vip.protocol);  // the health check is judged against it
  std::optional<Field> check_field = optional_field(*fields, "health_check");
  if (check_field) {
    vip.health_check.emplace();
    decode_health_check(*check_field, vip, *vip.health_check);
  }
  if (auto f = optional_field(*fields, "backends")) decode_backends(*f, vip, origin);
  if (check_field && vip.health_check->type != CheckType::Ping && vip.health_check->port == 0) {
    const bool every_backend_has_port = std::all_of(vip.backends.begin(), vip.backends.end(),
                                                    [](const Backend& b) { return b.monitor_port != 0; });
    const bool over_tcp = vip.health_check->type != CheckType::Udp;
    if (port && *port == 0 && !every_backend_has_port)
      fail(*check_field, "the VIP serves every port (port 0): give the check a port, or every backend a monitor_port");
    else if (over_tcp && vip.protocol == Protocol::Udp && !every_backend_has_port)
      fail(*check_field, "a " + check_type_name(vip.health_check->type) +
                             " check on a udp VIP probes over TCP, where the VIP's port is not served: give the "
                             "check a port, or every backend a monitor_port (or use type udp or ping)");
  }
  // The cross-field checks judge backends against the VIP's family: without
  // an address the VIP cannot take part (its own fields were checked above).
  if (!address) return;
  vip.address = *address;
  assign(port, vip.port);
  assign(protocol, vip.protocol);
  origin.key_complete = port && protocol;

  config.vips.push_back(std::move(vip));
  origins.vips.push_back(std::move(origin));
}

void Decoder::decode_backends(const Field& field, Vip& vip, VipOrigin& origin) {
  if (!is_list(field)) return;
  origin.backends_line = field.line;
  for (size_t i = 0; i < field.value.size(); ++i) decode_backend(field.value[i], item_path(field.path, i), vip, origin);
}

void Decoder::decode_allowed_cidrs(const Field& field, const std::optional<IpAddr>& address, Vip& vip) {
  if (!is_list(field)) return;
  if (field.value.size() > kMaxAllowedCidrs)
    fail(field, std::to_string(field.value.size()) + " prefixes: at most " + std::to_string(kMaxAllowedCidrs));
  for (size_t i = 0; i < field.value.size(); ++i) {
    const Field item{item_path(field.path, i), line_of(field.value[i]), field.value[i]};
    auto raw = text(item);
    if (!raw) continue;
    auto prefix = Prefix::parse(*raw);
    if (!prefix) {
      fail(item, prefix.error().message);
      continue;
    }
    if (address && prefix->addr.family != address->family) {
      fail(item, quoted(*raw) + " is not of the VIP's address family");
      continue;
    }
    vip.allowed_cidrs.push_back(*prefix);
  }
  // One entry per prefix, in order: the list is a set.
  std::sort(vip.allowed_cidrs.begin(), vip.allowed_cidrs.end());
  vip.allowed_cidrs.erase(std::unique(vip.allowed_cidrs.begin(), vip.allowed_cidrs.end()), vip.allowed_cidrs.end());
}

void Decoder::decode_backend(const YAML::Node& item, const std::string& path, Vip& vip, VipOrigin& origin) {
  auto fields = mapping(item, path, line_of(item), kBackendKeys);
  if (!fields) return;
  Backend backend;
  std::optional<IpAddr> address;
  int address_line = fields->line();
  if (auto f = required_field(*fields, "address")) {
    address = unicast_address(*f);
    address_line = f->line;
  }
  if (auto f = optional_field(*fields, "weight")) assign(number(*f, 0, kMaxWeight), backend.weight);
  if (auto f = optional_field(*fields, "state"))
    assign(choice(*f, {BackendState::Active, BackendState::Draining, BackendState::Down}, backend_state_name),
           backend.state);
  if (auto f = optional_field(*fields, "monitor_address")) {
    backend.monitor_address = unicast_address(*f);
    if (backend.monitor_address && address && backend.monitor_address->family != address->family)
      fail(*f, "must be of the backend address's family");
  }
  if (auto f = optional_field(*fields, "monitor_port")) assign(number(*f, 1, 65535), backend.monitor_port);
  if (auto f = optional_field(*fields, "backup")) assign(boolean(*f), backend.backup);
  if (!address) return;
  backend.address = *address;
  vip.backends.push_back(backend);
  origin.backends.push_back(BackendOrigin{path, address_line});
}

}  // namespace xlb::config::detail
