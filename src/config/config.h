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
// Addresses: source and destination only, which also keeps every fragment of
// a datagram on one backend (all-ports VIPs only: later fragments carry no port).
enum class HashMode : uint8_t { FiveTuple, SourceOnly, Addresses };

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
// Stateless fallback: new flows per second per CPU (docs/operations.md).
inline constexpr uint32_t kDefaultStatelessAbove = 50000;
inline constexpr uint32_t kDefaultStatelessBelow = 25000;
inline constexpr uint32_t kMaxRateLimit = XLB_RATE_LIMIT_MAX;
// Path MTU toward the backends and the ICMP budget (per CPU).
inline constexpr uint32_t kMinBackendMtu = 1280 + 40;  // IPv6 needs 1280 inside the tunnel
inline constexpr uint32_t kMaxBackendMtu = 65535;
inline constexpr uint32_t kDefaultIcmpRate = 1000;
inline constexpr uint32_t kDefaultIcmpBurst = 100;
// Where the agent serves /metrics and /healthz unless told otherwise (loopback only).
inline constexpr std::string_view kDefaultMetricsListen = "127.0.0.1:9810";
// Health checks.
inline constexpr uint32_t kMinCheckIntervalMs = 50;
inline constexpr uint32_t kMaxCheckIntervalMs = 3600000;
inline constexpr uint32_t kMaxRiseFall = 100;
inline constexpr size_t kMaxUdpPayload = 512;

// Bounds the file is checked against (docs/config.md lists them for users).
inline constexpr uint32_t kMinRingSize = 7;
inline constexpr uint32_t kMaxVipsLimit = 4096;
inline constexpr uint32_t kMinMaxBackends = 2;  // id 0 is reserved: 2 leaves room for one
inline constexpr uint32_t kMaxBackendsLimit = 65536;
inline constexpr uint32_t kMaxWeight = 65535;
// The host part of the IPv6 outer source is applied to its last 32 bits only.
inline constexpr unsigned kMinEncapV6PrefixLength = 96;

// What the operator says about a backend. Health checks can only make an
// active backend down; a `xlb l4 drain` makes it draining (docs/operations.md).
enum class BackendState : uint8_t { Active, Draining, Down };

enum class CheckType : uint8_t { Tcp, Http, Https, Udp, Ping };

struct StatusRange {
  int lo = 200, hi = 399;
  bool operator==(const StatusRange&) const = default;
};

struct HealthCheck {
  CheckType type = CheckType::Tcp;
  uint32_t interval_ms = 2000;
  uint32_t timeout_ms = 1000;
  uint32_t rise = 2;  // successes that bring a down backend back
  uint32_t fall = 3;  // failures that take an up backend down
  uint16_t port = 0;  // 0: the VIP's port
  std::string path = "/";  // http, https
  std::string host;        // http, https: Host header and TLS SNI; empty: the address
  std::vector<StatusRange> expect_status{{200, 399}};
  std::string payload = "ping";  // udp: sent; any reply counts as up

  bool operator==(const HealthCheck&) const = default;
};

struct Backend {
  IpAddr address;
  uint32_t weight = 1;  // 0 keeps the backend known but gives it no new flows
  BackendState state = BackendState::Active;
  // Where the health check goes, when not the backend's own address / the check's port.
  std::optional<IpAddr> monitor_address;
  uint16_t monitor_port = 0;
  // Takes new flows only while no other backend of the VIP can (agent.cpp, services_of).
  bool backup = false;

  bool operator==(const Backend&) const = default;
};

// New flows per second (TCP SYNs, UDP packets of no known flow) one L4 node
// accepts for a VIP; rate 0 = no limit.
struct RateLimit {
  uint32_t rate = 0;
  uint32_t burst = 0;
  bool operator==(const RateLimit&) const = default;
};

struct Vip {
  std::string name;  // optional, for display; unique when given
  IpAddr address;
  uint16_t port = 0;  // 0 = every port
  Protocol protocol = Protocol::Tcp;
  HashMode hash = HashMode::FiveTuple;
  bool stateless = false;  // true: never use the session cache for this VIP
  RateLimit rate_limit;
  std::optional<HealthCheck> health_check;  // none: backends are taken as up
  std::vector<Backend> backends;  // may be empty: the VIP then drops, counted
  // Empty: every client. Else only sources in these prefixes (sorted, the
  // VIP's family); others are dropped and counted (acl_denied).
  std::vector<Prefix> allowed_cidrs;

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
  // Above this many new flows per second on a CPU the session cache takes no
  // new entries, until a window is below stateless_below. 0: never.
  uint32_t stateless_above = kDefaultStatelessAbove;
  uint32_t stateless_below = kDefaultStatelessBelow;
  // Largest IP packet the path to the backends carries, tunnel header
  // included; 0 (default): the MTU of `interface`. Bigger packets get ICMP.
  uint32_t backend_mtu = 0;
  uint32_t icmp_rate = kDefaultIcmpRate;  // generated ICMP per second per CPU
  uint32_t icmp_burst = kDefaultIcmpBurst;
  bool answer_echo = true;  // ping a VIP: the L4 node answers (within the ICMP budget)
  // Where `xlb l4 drain` records operator overrides; read again when it changes.
  std::string admin_state_file = "/var/lib/xlb/admin-state.json";
  // Where the agent serves Prometheus /metrics and /healthz; none: not at all.
  std::optional<SocketAddress> metrics_listen = default_metrics_listen();

  static SocketAddress default_metrics_listen() { return *SocketAddress::parse(kDefaultMetricsListen); }
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

// Announcing the VIPs over BGP through a local BIRD 2 (docs/operations.md,
// "Several L4 nodes"). The agent writes BIRD's whole config from this section
// and the routes it should announce, and reconfigures BIRD when they change.
struct BgpPeer {
  IpAddr address;  // directly connected; its family is the session's
  uint32_t as = 0;
  bool operator==(const BgpPeer&) const = default;
};

inline constexpr uint32_t kDefaultBgpHoldTime = 9;       // seconds
inline constexpr uint32_t kDefaultBgpKeepaliveTime = 3;  // seconds
inline constexpr uint32_t kDefaultBfdIntervalMs = 100;
inline constexpr uint32_t kDefaultBfdMultiplier = 3;
inline constexpr std::string_view kDefaultBirdConfig = "/run/xlb/bird.conf";
inline constexpr std::string_view kDefaultBirdSocket = "/run/bird/bird.ctl";

struct Bgp {
  uint32_t local_as = 0;
  IpAddr router_id;  // an IPv4 address, unique per node
  std::vector<BgpPeer> peers;
  uint32_t hold_time = kDefaultBgpHoldTime;
  uint32_t keepalive_time = kDefaultBgpKeepaliveTime;
  bool bfd = true;
  uint32_t bfd_interval_ms = kDefaultBfdIntervalMs;
  uint32_t bfd_multiplier = kDefaultBfdMultiplier;
  // BIRD's config, written by the agent (run `bird -c` on it), and the
  // control socket the agent asks BIRD to reload on. The routes go to
  // xlb-routes.conf beside bird_config.
  std::string bird_config = std::string(kDefaultBirdConfig);
  std::string bird_socket = std::string(kDefaultBirdSocket);
  bool operator==(const Bgp&) const = default;
};

struct Config {
  Node node;
  Dataplane dataplane;
  std::vector<Vip> vips;
  std::optional<Bgp> bgp;  // none: the node announces nothing (static routes)

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
std::string backend_state_name(BackendState state);
std::string check_type_name(CheckType type);
// "127.0.0.1:9810", or "off".
std::string metrics_listen_name(const std::optional<SocketAddress>& listen);

// "198.51.100.10:80/tcp", "[2001:db8::1]:443/tcp", "198.51.100.10:*/udp" (all ports).
std::string vip_label(const Vip& vip);

}  // namespace xlb::config
