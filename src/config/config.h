// The agent's static configuration: what the operator writes in the YAML file
// (see docs/config.md), decoded and checked as a whole. A file is either valid
// in every part or rejected with every problem listed, so a caller never holds
// a half-understood config and an operator fixes a file in one pass.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.h"
#include "common/result.h"
#include "xlb/abi.h"

namespace xlb::config {

enum class Protocol : uint8_t { Tcp, Udp };

// How a VIP picks a backend: the whole 5-tuple spreads one client's
// connections; the source address alone keeps a client on one backend.
enum class HashMode : uint8_t { FiveTuple, SourceOnly };

enum class XdpMode : uint8_t { Native, Generic };

// What the agent does to the data plane when it stops. Keep leaves the XDP
// program attached and the maps pinned, so an upgrade restart drops no packet.
enum class OnExit : uint8_t { Detach, Keep };

inline constexpr std::string_view kDefaultPinDir = "/sys/fs/bpf/xlb";
inline constexpr uint8_t kDefaultOuterTtl = 64;
inline constexpr uint32_t kDefaultRingSize = 65537;
inline constexpr uint32_t kDefaultHashSeed = 0x5eed1234;
inline constexpr uint32_t kDefaultMaxVips = 64;
inline constexpr uint32_t kDefaultMaxBackends = 4096;
inline constexpr uint32_t kDefaultSessionCacheSize = 262144;
inline constexpr uint32_t kDefaultUdpIdleTimeout = 30;
inline constexpr uint32_t kMaxSessionCacheSize = 1u << 26;  // 64 Mi entries
inline constexpr uint32_t kMaxUdpIdleTimeout = 86400;

// Bounds the file is checked against (docs/config.md lists them for users).
inline constexpr uint32_t kMinRingSize = 7;
inline constexpr uint32_t kMaxVipsLimit = 4096;
inline constexpr uint32_t kMinMaxBackends = 2;  // id 0 is reserved: 2 leaves room for one
inline constexpr uint32_t kMaxBackendsLimit = 65536;
inline constexpr uint32_t kMaxWeight = 65535;
// The data plane keeps this many (VIP, backend) pairs per max_backends.
inline constexpr uint32_t kVipBackendPairsPerBackend = XLB_VIP_BACKEND_PAIRS_PER_BACKEND;
// The host part of the IPv6 outer source is applied to its last 32 bits only.
inline constexpr unsigned kMinEncapV6PrefixLength = 96;

struct Backend {
  IpAddr address;
  uint32_t weight = 1;  // 0 keeps the backend known but gives it no new flows

  bool operator==(const Backend&) const = default;
};

struct Vip {
  std::string name;  // optional, for display; unique when given
  IpAddr address;
  uint16_t port = 0;  // 0 = every port
  Protocol protocol = Protocol::Tcp;
  HashMode hash = HashMode::FiveTuple;
  bool stateless = false;  // true: never use the session cache for this VIP
  std::vector<Backend> backends;  // may be empty: the VIP then drops, counted

  bool operator==(const Vip&) const = default;
};

struct Node {
  std::string interface;
  XdpMode xdp_mode = XdpMode::Native;
  // Outer source = prefix | (flow hash & host bits). Required for each family
  // that some backend uses; the v6 prefix is at least /96.
  std::optional<Prefix> encap_source_v4;
  std::optional<Prefix> encap_source_v6;
  std::optional<std::array<uint8_t, 6>> gateway_mac;  // next hop when the FIB has no answer
  std::string pin_dir = std::string(kDefaultPinDir);
  OnExit on_exit = OnExit::Detach;
  uint8_t outer_ttl = kDefaultOuterTtl;

  bool operator==(const Node&) const = default;
};

// Sizes and seeds fixed when the BPF program is loaded: changing any of them
// needs an agent restart (see restart_required_changes).
struct Dataplane {
  uint32_t ring_size = kDefaultRingSize;  // Maglev M, prime
  uint32_t hash_seed = kDefaultHashSeed;  // identical on every L4 node
  uint32_t max_vips = kDefaultMaxVips;
  uint32_t max_backends = kDefaultMaxBackends;  // including the reserved id 0
  uint32_t session_cache_size = kDefaultSessionCacheSize;  // flows remembered; 0 = no cache
  uint32_t udp_idle_timeout = kDefaultUdpIdleTimeout;      // seconds

  bool operator==(const Dataplane&) const = default;
};

struct Config {
  Node node;
  Dataplane dataplane;
  std::vector<Vip> vips;

  bool operator==(const Config&) const = default;
};

// Decode and check a config. On failure the Error holds one line per problem,
// "<source_name>:<line>: <field path>: <what is wrong>", ordered by line.
// JSON is accepted too (YAML is a superset of it).
Result<Config> parse(std::string_view yaml_text, std::string_view source_name = "<config>");

// parse() the file at `path`; messages name the file as given. An unreadable
// file is an error naming the path and the system's reason.
Result<Config> load_file(const std::string& path);

// Fields that the running data plane cannot take without a restart and that
// differ between the two configs, as "dataplane.ring_size: 65537 -> 131071".
// Empty means `candidate` can be applied to a running agent.
std::vector<std::string> restart_required_changes(const Config& running, const Config& candidate);

uint8_t ip_protocol(Protocol protocol);  // IPPROTO_TCP or IPPROTO_UDP
// The names used in the file: "tcp", "5tuple", "native", "detach", ...
std::string protocol_name(Protocol protocol);
std::string hash_mode_name(HashMode mode);
std::string xdp_mode_name(XdpMode mode);
std::string on_exit_name(OnExit on_exit);

// "198.51.100.10:80/tcp", "[2001:db8::1]:443/tcp", "198.51.100.10:*/udp" (all ports).
std::string vip_label(const Vip& vip);

}  // namespace xlb::config
