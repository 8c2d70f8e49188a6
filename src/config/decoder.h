// The YAML decoder's internals, shared by the files that decode each section
// (decoder.cpp: structure and values; decode_node.cpp: node, dataplane, bgp;
// decode_vips.cpp: vips and what they hold). Internal to xlb_config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/decode.h"

namespace xlb::config::detail {

using Keys = std::span<const std::string_view>;

// Small helpers the sections share (the others stay in decoder.cpp).
std::string lowercase(std::string_view text);
// yaml-cpp counts lines from 0 and uses -1 for "unknown"; we print 1-based
// lines and use 0 for unknown.
int line_of(const YAML::Node& node);
std::string item_path(const std::string& list, size_t index);
std::string quoted(std::string_view text);
// Decimal, or hexadecimal with a 0x prefix. Values too large for 64 bits come
// back as the maximum so that every range check rejects them.
std::optional<uint64_t> parse_whole_number(std::string_view text);

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
  void decode_allowed_cidrs(const Field& field, const std::optional<IpAddr>& address, Vip& vip);
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

}  // namespace xlb::config::detail
