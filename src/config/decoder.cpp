#include "config/decoder.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace xlb::config::detail {

namespace {

constexpr std::string_view kRootKeys[] = {"node", "dataplane", "vips", "bgp"};

// Linux's limit on interface names: IFNAMSIZ (16) including the terminator.
constexpr size_t kMaxInterfaceName = 15;

// ---- Small pure helpers -----------------------------------------------------

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
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

}  // namespace

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

std::string item_path(const std::string& list, size_t index) { return list + "[" + std::to_string(index) + "]"; }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

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

}  // namespace xlb::config::detail
