#include "config/decode.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <span>

namespace xlb::config {

namespace {

using Keys = std::span<const std::string_view>;

constexpr std::string_view kRootKeys[] = {"node", "dataplane", "vips", "bgp"};
constexpr std::string_view kBgpKeys[] = {"local_as",        "router_id", "peers",           "hold_time",
                                         "keepalive_time",  "bfd",       "bfd_interval_ms", "bfd_multiplier",
                                         "bird_config",     "bird_socket"};
constexpr std::string_view kBgpPeerKeys[] = {"address", "as"};
constexpr std::string_view kNodeKeys[] = {"interface",       "xdp_mode",        "encap_source_v4", "encap_source_v6",
                                          "gateway_mac",     "pin_dir",         "on_exit",         "outer_ttl",
                                          "stateless_above", "stateless_below", "admin_state_file",
                                          "backend_mtu",     "icmp_rate",       "icmp_burst",
                                          "answer_echo",     "metrics_listen"};
constexpr std::string_view kDataplaneKeys[] = {"ring_size",    "hash_seed",          "max_vips",
                                               "max_backends", "session_cache_size", "udp_idle_timeout"};
constexpr std::string_view kVipKeys[] = {"name",      "address",    "port",         "protocol", "hash",
                                         "stateless", "rate_limit", "health_check", "backends"};
constexpr std::string_view kBackendKeys[] = {"address", "weight", "state", "monitor_address", "monitor_port"};
constexpr std::string_view kRateLimitKeys[] = {"rate", "burst"};
constexpr std::string_view kHealthCheckKeys[] = {"type", "interval_ms", "timeout_ms", "rise",   "fall",
                                                 "port", "path",        "host",       "expect_status", "payload"};

// Linux's limit on interface names: IFNAMSIZ (16) including the terminator.
constexpr size_t kMaxInterfaceName = 15;

// ---- Small pure helpers -----------------------------------------------------

// yaml-cpp counts lines from 0 and uses -1 for "unknown"; we print 1-based
// lines and use 0 for unknown.
int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string item_path(const std::string& list, size_t index) { return list + "[" + std::to_string(index) + "]"; }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(Keys keys) {
  std::string out;
  for (std::string_view key : keys) out += (out.empty() ? "" : ", ") + std::string(key);
  return out;
}

// What a node is, in the words of an error message.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "the value " + quoted(node.Scalar());
    default:
      return "nothing";
  }
}

// Decimal, or hexadecimal with a 0x prefix. Values too large for 64 bits come
// back as the maximum so that every range check rejects them.
std::optional<uint64_t> parse_whole_number(std::string_view text) {
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (end != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<uint64_t>::max();
  if (ec != std::errc()) return std::nullopt;
  return value;
}

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

// Why an address cannot be a VIP or a backend, or nothing if it can.
std::optional<std::string> why_not_unicast(const IpAddr& address) {
  const size_t size = address.is_v4() ? 4 : 16;
  auto bytes = std::span(address.bytes).first(size);
  if (std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; })) return "the unspecified address";
  if (address.is_v4() && std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0xff; }))
    return "the broadcast address";
  if (address.is_v4() && (bytes[0] & 0xf0) == 0xe0) return "a multicast address";
  if (address.is_v6() && bytes[0] == 0xff) return "a multicast address";
  return std::nullopt;
}

// Linux's own rule (dev_valid_name): 1..15 bytes, not "." or "..", no '/', ':' or space.
bool is_valid_interface_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxInterfaceName || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)); });
}

// ---- A mapping's fields -----------------------------------------------------

// One key of a mapping with its value. `line` is the key's line: that is where
// an operator looks for "port", and it is exact even when the value is empty.
struct Field {
  std::string path;
  int line = 0;
  YAML::Node value;

  bool empty() const { return value.IsNull(); }
};

class Fields {
 public:
  Fields(std::string path, int line) : path_(std::move(path)), line_(line) {}

  void add(const std::string& key, Field field) { by_key_.emplace(key, std::move(field)); }
  const Field* lookup(std::string_view key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
  }

  const std::string& path() const { return path_; }
  int line() const { return line_; }

 private:
  std::string path_;
  int line_;
  std::map<std::string, Field, std::less<>> by_key_;
};

// ---- The decoder --------------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(Diagnostics& diag) : diag_(diag) {}

  Decoded run(const YAML::Node& root);

 private:
  // Structure.
  std::optional<Fields> mapping(const YAML::Node& node, const std::string& path, int line, Keys known);
  void report_unknown_key(const std::string& path, int line, const std::string& key, Keys known);
  // A field that is present with a value; an empty value ("port:") counts as absent.
  std::optional<Field> optional_field(const Fields& fields, std::string_view key);
  // Like optional_field, but reports the field when it is absent or empty.
  std::optional<Field> required_field(const Fields& fields, std::string_view key);
  bool is_list(const Field& field);

  // Values; each reports its own problem and returns nothing on failure.
  std::optional<std::string> text(const Field& field);
  std::optional<uint64_t> number(const Field& field, uint64_t min, uint64_t max);
  std::optional<bool> boolean(const Field& field);
  template <class E>
  std::optional<E> choice(const Field& field, std::initializer_list<E> values, std::string (*name)(E));
  std::optional<IpAddr> unicast_address(const Field& field);
  std::optional<Prefix> encap_prefix(const Field& field, uint8_t family);
  std::optional<std::array<uint8_t, 6>> unicast_mac(const Field& field);
  std::optional<std::string> interface_name(const Field& field);
  std::optional<std::string> absolute_dir(const Field& field);
  std::optional<std::string> absolute_file(const Field& field);
  std::optional<uint32_t> ring_size(const Field& field);
  // An address:port, or "" / "off" (nullopt inside the outer optional).
  std::optional<std::optional<SocketAddress>> listen_address(const Field& field);

  // Sections.
  void decode_node(const Field& field, Node& node, Origins& origins);
  void decode_dataplane(const Field& field, Dataplane& dataplane, Origins& origins);
  void decode_vips(const Field& field, Config& config, Origins& origins);
  void decode_vip(const YAML::Node& item, const std::string& path, Config& config, Origins& origins);
  void decode_rate_limit(const Field& field, RateLimit& limit);
  void decode_health_check(const Field& field, const Vip& vip, HealthCheck& check);
  std::optional<std::vector<StatusRange>> status_ranges(const Field& field);
  std::optional<std::string> header_value(const Field& field, size_t max);
  void decode_backends(const Field& field, Vip& vip, VipOrigin& origin);
  void decode_backend(const YAML::Node& item, const std::string& path, Vip& vip, VipOrigin& origin);
  void decode_bgp(const Field& field, Bgp& bgp);
  void decode_bgp_peers(const Field& field, Bgp& bgp);

  void fail(const Field& field, std::string message) { diag_.error(field.line, field.path, std::move(message)); }

  Diagnostics& diag_;
};

// Store a decoded value, or leave the default when decoding failed.
template <class T, class U>
void assign(std::optional<U> decoded, T& out) {
  if (decoded) out = static_cast<T>(*decoded);
}

std::optional<Fields> Decoder::mapping(const YAML::Node& node, const std::string& path, int line, Keys known) {
  if (!node.IsMap()) {
    diag_.error(line, path, "expected a mapping (key: value), got " + describe(node));
    return std::nullopt;
  }
  Fields fields(path, line_of(node));
  // Each entry is a value (yaml-cpp's iterators hand out temporaries), so the
  // key and value are copies, which are cheap handles.
  for (const auto& entry : node) {
    const YAML::Node key_node = entry.first;
    const int key_line = line_of(key_node);
    if (!key_node.IsScalar()) {
      diag_.error(key_line, path, "keys must be plain names, got " + describe(key_node));
      continue;
    }
    const std::string key = key_node.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      report_unknown_key(path, key_line, key, known);
      continue;
    }
    const std::string field_path = child_path(path, key);
    if (const Field* first = fields.lookup(key)) {
      diag_.error(key_line, field_path, "given twice (first at line " + std::to_string(first->line) + ")");
      continue;
    }
    fields.add(key, Field{field_path, key_line, entry.second});
  }
  return fields;
}

void Decoder::report_unknown_key(const std::string& path, int line, const std::string& key, Keys known) {
  std::string message = "unknown key " + quoted(key);
  std::string_view suggestion = suggest_key(key, known);
  if (!suggestion.empty())
    message += " (did you mean " + quoted(suggestion) + "?)";
  else
    message += " (expected one of: " + join(known) + ")";
  diag_.error(line, path, message);
}

std::optional<Field> Decoder::optional_field(const Fields& fields, std::string_view key) {
  const Field* field = fields.lookup(key);
  if (!field || field->empty()) return std::nullopt;
  return *field;
}

std::optional<Field> Decoder::required_field(const Fields& fields, std::string_view key) {
  const Field* field = fields.lookup(key);
  if (!field) {
    diag_.error(fields.line(), child_path(fields.path(), key), "required field is missing");
    return std::nullopt;
  }
  if (field->empty()) {
    fail(*field, "required field has no value");
    return std::nullopt;
  }
  return *field;
}

bool Decoder::is_list(const Field& field) {
  if (field.value.IsSequence()) return true;
  fail(field, "expected a list (lines starting with '- '), got " + describe(field.value));
  return false;
}

std::optional<std::string> Decoder::text(const Field& field) {
  if (!field.value.IsScalar()) {
    fail(field, "expected a single value, got " + describe(field.value));
    return std::nullopt;
  }
  return field.value.Scalar();
}

std::optional<uint64_t> Decoder::number(const Field& field, uint64_t min, uint64_t max) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  auto value = parse_whole_number(*raw);
  if (!value) {
    fail(field, "expected a whole number (decimal, or hex with 0x), got " + quoted(*raw));
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    fail(field, quoted(*raw) + " is out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Decoder::boolean(const Field& field) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  const std::string folded = lowercase(*raw);
  if (folded == "true") return true;
  if (folded == "false") return false;
  fail(field, quoted(*raw) + " is not one of: true, false");
  return std::nullopt;
}

template <class E>
std::optional<E> Decoder::choice(const Field& field, std::initializer_list<E> values, std::string (*name)(E)) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  const std::string folded = lowercase(*raw);
  std::string allowed;
  for (E value : values) {
    if (folded == name(value)) return value;
    allowed += (allowed.empty() ? "" : ", ") + name(value);
  }
  fail(field, quoted(*raw) + " is not one of: " + allowed);
  return std::nullopt;
}

std::optional<IpAddr> Decoder::unicast_address(const Field& field) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  auto address = IpAddr::parse(*raw);
  if (!address) {
    fail(field, address.error().message);
    return std::nullopt;
  }
  if (auto problem = why_not_unicast(*address)) {
    fail(field, quoted(*raw) + " is " + *problem + "; a unicast address is needed here");
    return std::nullopt;
  }
  return *address;
}

std::optional<Prefix> Decoder::encap_prefix(const Field& field, uint8_t family) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  auto prefix = Prefix::parse(*raw);
  if (!prefix) {
    fail(field, prefix.error().message);
    return std::nullopt;
  }
  const bool want_v4 = family == XLB_FAMILY_V4;
  if (prefix->addr.family != family) {
    fail(field, quoted(*raw) + " is an " + (want_v4 ? "IPv6" : "IPv4") + " prefix; this field takes an " +
                    (want_v4 ? "IPv4" : "IPv6") + " one");
    return std::nullopt;
  }
  if (!want_v4 && prefix->length < kMinEncapV6PrefixLength) {
    fail(field, quoted(*raw) + " is too short: the flow hash fills only the last 32 bits, so the prefix must be /" +
                    std::to_string(kMinEncapV6PrefixLength) + " or longer");
    return std::nullopt;
  }
  return *prefix;
}

std::optional<std::array<uint8_t, 6>> Decoder::unicast_mac(const Field& field) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  auto mac = parse_mac(*raw);
  if (!mac) {
    fail(field, mac.error().message);
    return std::nullopt;
  }
  const bool all_zero = std::all_of(mac->begin(), mac->end(), [](uint8_t b) { return b == 0; });
  const bool group = ((*mac)[0] & 0x01) != 0;  // multicast and broadcast
  if (all_zero || group) {
    fail(field, quoted(*raw) + " is not a unicast MAC address; the next hop needs one");
    return std::nullopt;
  }
  return *mac;
}

std::optional<std::string> Decoder::interface_name(const Field& field) {
  auto name = text(field);
  if (!name) return std::nullopt;
  if (!is_valid_interface_name(*name)) {
    fail(field, quoted(*name) + " is not a valid interface name (1.." + std::to_string(kMaxInterfaceName) +
                    " characters, no '/', ':' or spaces)");
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> Decoder::absolute_dir(const Field& field) {
  auto dir = text(field);
  if (!dir) return std::nullopt;
  if (!dir->starts_with('/')) {
    fail(field, quoted(*dir) + " is not an absolute path");
    return std::nullopt;
  }
  // "/sys/fs/bpf/xlb/" and "/sys/fs/bpf/xlb" are the same place; compare equal.
  while (dir->size() > 1 && dir->ends_with('/')) dir->pop_back();
  return dir;
}

std::optional<std::string> Decoder::absolute_file(const Field& field) {
  auto path = text(field);
  if (!path) return std::nullopt;
  if (!path->starts_with('/')) {
    fail(field, quoted(*path) + " is not an absolute path");
    return std::nullopt;
  }
  return path;
}

std::optional<uint32_t> Decoder::ring_size(const Field& field) {
  auto size = number(field, kMinRingSize, std::numeric_limits<uint32_t>::max());
  if (!size) return std::nullopt;
  if (!is_prime(*size)) {
    // Maglev's permutations only cover every slot when the ring size is prime.
    fail(field, std::to_string(*size) + " is not a prime number; Maglev needs a prime ring size (e.g. 65537, 131071)");
    return std::nullopt;
  }
  return static_cast<uint32_t>(*size);
}

std::optional<std::optional<SocketAddress>> Decoder::listen_address(const Field& field) {
  auto raw = text(field);
  if (!raw) return std::nullopt;
  if (raw->empty() || lowercase(*raw) == "off") return std::optional<SocketAddress>{};
  auto address = SocketAddress::parse(*raw);
  if (!address) {
    fail(field, address.error().message + ", or off");
    return std::nullopt;
  }
  return std::optional<SocketAddress>{*address};
}

Decoded Decoder::run(const YAML::Node& root) {
  Decoded out;
  auto fields = mapping(root, "", line_of(root), kRootKeys);
  if (!fields) return out;
  if (auto node = required_field(*fields, "node")) decode_node(*node, out.config.node, out.origins);
  if (auto dataplane = optional_field(*fields, "dataplane"))
    decode_dataplane(*dataplane, out.config.dataplane, out.origins);
  if (auto vips = optional_field(*fields, "vips")) decode_vips(*vips, out.config, out.origins);
  if (auto bgp = optional_field(*fields, "bgp")) {
    out.config.bgp.emplace();
    decode_bgp(*bgp, *out.config.bgp);
  }
  return out;
}

void Decoder::decode_bgp(const Field& field, Bgp& bgp) {
  auto fields = mapping(field.value, field.path, field.line, kBgpKeys);
  if (!fields) return;
  if (auto f = required_field(*fields, "local_as")) assign(number(*f, 1, std::numeric_limits<uint32_t>::max()), bgp.local_as);
  if (auto f = required_field(*fields, "router_id")) {
    auto id = unicast_address(*f);
    if (id && !id->is_v4())
      fail(*f, "a router id is written as an IPv4 address (usually the node's own), not " + id->str());
    else if (id)
      bgp.router_id = *id;
  }
  if (auto f = required_field(*fields, "peers")) decode_bgp_peers(*f, bgp);
  // BGP allows a hold time of 0 (no keepalives) or at least 3 seconds.
  if (auto f = optional_field(*fields, "hold_time")) {
    assign(number(*f, 0, 65535), bgp.hold_time);
    if (bgp.hold_time > 0 && bgp.hold_time < 3) fail(*f, "must be 0 or at least 3 seconds (RFC 4271)");
  }
  if (auto f = optional_field(*fields, "keepalive_time")) {
    assign(number(*f, 1, 65535), bgp.keepalive_time);
    if (bgp.hold_time > 0 && bgp.keepalive_time >= bgp.hold_time)
      fail(*f, "must be less than hold_time (" + std::to_string(bgp.hold_time) +
                   "), or the session expires between keepalives");
  }
  if (auto f = optional_field(*fields, "bfd")) assign(boolean(*f), bgp.bfd);
  if (auto f = optional_field(*fields, "bfd_interval_ms")) assign(number(*f, 10, 10000), bgp.bfd_interval_ms);
  if (auto f = optional_field(*fields, "bfd_multiplier")) assign(number(*f, 1, 255), bgp.bfd_multiplier);
  if (auto f = optional_field(*fields, "bird_config")) assign(absolute_file(*f), bgp.bird_config);
  if (auto f = optional_field(*fields, "bird_socket")) assign(absolute_file(*f), bgp.bird_socket);
}

void Decoder::decode_bgp_peers(const Field& field, Bgp& bgp) {
  if (!is_list(field)) return;
  if (field.value.size() == 0) {
    fail(field, "lists no peer: a node that announces to nobody serves no traffic");
    return;
  }
  for (size_t i = 0; i < field.value.size(); ++i) {
    std::string path = item_path(field.path, i);
    auto fields = mapping(field.value[i], path, line_of(field.value[i]), kBgpPeerKeys);
    if (!fields) continue;
    BgpPeer peer;
    auto address = required_field(*fields, "address");
    auto as = required_field(*fields, "as");
    auto decoded_address = address ? unicast_address(*address) : std::nullopt;
    auto decoded_as = as ? number(*as, 1, std::numeric_limits<uint32_t>::max()) : std::nullopt;
    if (!decoded_address || !decoded_as) continue;
    peer.address = *decoded_address;
    peer.as = static_cast<uint32_t>(*decoded_as);
    for (const auto& other : bgp.peers)
      if (other.address == peer.address) fail(*address, peer.address.str() + " is listed twice");
    bgp.peers.push_back(peer);
  }
}

void Decoder::decode_node(const Field& field, Node& node, Origins& origins) {
  auto fields = mapping(field.value, field.path, field.line, kNodeKeys);
  if (!fields) return;
  origins.node_decoded = true;
  origins.node_line = field.line;
  // Given means written with a value, even a malformed one (reported on its own).
  origins.encap_source_v4_given = optional_field(*fields, "encap_source_v4").has_value();
  origins.encap_source_v6_given = optional_field(*fields, "encap_source_v6").has_value();

  if (auto f = required_field(*fields, "interface")) assign(interface_name(*f), node.interface);
  if (auto f = optional_field(*fields, "xdp_mode"))
    assign(choice(*f, {XdpMode::Native, XdpMode::Generic}, xdp_mode_name), node.xdp_mode);
  if (auto f = optional_field(*fields, "encap_source_v4")) node.encap_source_v4 = encap_prefix(*f, XLB_FAMILY_V4);
  if (auto f = optional_field(*fields, "encap_source_v6")) node.encap_source_v6 = encap_prefix(*f, XLB_FAMILY_V6);
  if (auto f = optional_field(*fields, "gateway_mac")) node.gateway_mac = unicast_mac(*f);
  if (auto f = optional_field(*fields, "pin_dir")) assign(absolute_dir(*f), node.pin_dir);
  if (auto f = optional_field(*fields, "on_exit"))
    assign(choice(*f, {OnExit::Detach, OnExit::Keep}, on_exit_name), node.on_exit);
  if (auto f = optional_field(*fields, "outer_ttl")) assign(number(*f, 1, 255), node.outer_ttl);
  if (auto f = optional_field(*fields, "backend_mtu")) assign(number(*f, kMinBackendMtu, kMaxBackendMtu), node.backend_mtu);
  if (auto f = optional_field(*fields, "icmp_rate")) assign(number(*f, 1, kMaxRateLimit), node.icmp_rate);
  if (auto f = optional_field(*fields, "icmp_burst")) assign(number(*f, 1, kMaxRateLimit), node.icmp_burst);
  if (auto f = optional_field(*fields, "answer_echo")) assign(boolean(*f), node.answer_echo);
  std::optional<Field> above_field;
  if (auto f = optional_field(*fields, "stateless_above")) {
    assign(number(*f, 0, std::numeric_limits<uint32_t>::max()), node.stateless_above);
    above_field = f;
  }
  if (auto f = optional_field(*fields, "stateless_below")) {
    assign(number(*f, 0, std::numeric_limits<uint32_t>::max()), node.stateless_below);
    if (node.stateless_below > node.stateless_above && node.stateless_above != 0)
      fail(*f, "must not exceed stateless_above (" + std::to_string(node.stateless_above) +
                   "): the cache would never leave stateless mode");
  } else if (above_field && node.stateless_above != 0) {
    node.stateless_below = node.stateless_above / 2;  // hysteresis: half the way in
  }
  if (auto f = optional_field(*fields, "admin_state_file")) assign(absolute_file(*f), node.admin_state_file);
  // Like every field, "metrics_listen:" with no value keeps the default; "" and off turn it off.
  if (auto f = optional_field(*fields, "metrics_listen")) {
    if (auto listen = listen_address(*f)) node.metrics_listen = *listen;
  }
}

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
    assign(choice(*f, {CheckType::Tcp, CheckType::Http, CheckType::Https, CheckType::Udp}, check_type_name),
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
  if (auto f = optional_field(*fields, "port")) assign(number(*f, 1, 65535), check.port);
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
  if ((check.type != CheckType::Udp) && vip.protocol == Protocol::Udp)
    fail(field, "a " + check_type_name(check.type) + " check on a udp VIP: use type udp");
}

void Decoder::decode_dataplane(const Field& field, Dataplane& dataplane, Origins& origins) {
  const size_t problems_before = diag_.count();
  origins.ring_size_line = field.line;
  if (auto fields = mapping(field.value, field.path, field.line, kDataplaneKeys)) {
    if (auto f = optional_field(*fields, "ring_size")) {
      origins.ring_size_line = f->line;
      assign(ring_size(*f), dataplane.ring_size);
    }
    if (auto f = optional_field(*fields, "hash_seed"))
      assign(number(*f, 0, std::numeric_limits<uint32_t>::max()), dataplane.hash_seed);
    if (auto f = optional_field(*fields, "max_vips")) assign(number(*f, 1, kMaxVipsLimit), dataplane.max_vips);
    if (auto f = optional_field(*fields, "max_backends"))
      assign(number(*f, kMinMaxBackends, kMaxBackendsLimit), dataplane.max_backends);
    if (auto f = optional_field(*fields, "session_cache_size"))
      assign(number(*f, 0, kMaxSessionCacheSize), dataplane.session_cache_size);
    if (auto f = optional_field(*fields, "udp_idle_timeout"))
      assign(number(*f, 1, kMaxUdpIdleTimeout), dataplane.udp_idle_timeout);
  }
  origins.dataplane_complete = diag_.count() == problems_before;
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
  assign(protocol, vip.protocol);  // the health check is judged against it
  std::optional<Field> check_field = optional_field(*fields, "health_check");
  if (check_field) {
    vip.health_check.emplace();
    decode_health_check(*check_field, vip, *vip.health_check);
  }
  if (auto f = optional_field(*fields, "backends")) decode_backends(*f, vip, origin);
  if (check_field && port && *port == 0 && vip.health_check->port == 0) {
    const bool every_backend_has_port = std::all_of(vip.backends.begin(), vip.backends.end(),
                                                    [](const Backend& b) { return b.monitor_port != 0; });
    if (!every_backend_has_port)
      fail(*check_field, "the VIP serves every port (port 0): give the check a port, or every backend a monitor_port");
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
  if (!address) return;
  backend.address = *address;
  vip.backends.push_back(backend);
  origin.backends.push_back(BackendOrigin{path, address_line});
}

}  // namespace

std::optional<YAML::Node> read_document(std::string_view text, Diagnostics& diag) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    diag.error(e.mark.line + 1, "",
               "YAML syntax error: " + e.msg + " (column " + std::to_string(e.mark.column + 1) + ")");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diag.error(e.mark.line + 1, "", std::string("cannot read YAML: ") + e.what());
    return std::nullopt;
  }
  if (documents.empty()) {
    diag.error(0, "", "the file is empty; it needs at least 'node:' with 'interface:'");
    return std::nullopt;
  }
  if (documents.size() > 1) {
    // A second "---" usually means two files were pasted together; say so
    // rather than silently using the first.
    diag.error(line_of(documents[1]), "", "more than one YAML document ('---'); a config file holds exactly one");
    return std::nullopt;
  }
  return documents.front();
}

Decoded decode(const YAML::Node& root, Diagnostics& diag) {
  try {
    return Decoder(diag).run(root);
  } catch (const YAML::Exception& e) {
    // Not expected: the decoder only walks nodes it has checked. Should yaml-cpp
    // still throw, the file is refused rather than the agent brought down.
    diag.error(e.mark.line + 1, "", std::string("cannot decode YAML: ") + e.what());
    return Decoded{};
  }
}

}  // namespace xlb::config
