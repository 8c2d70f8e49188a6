// Decoding the node-wide sections: node, dataplane, bgp.
#include <limits>

#include "config/decoder.h"

namespace xlb::config::detail {

namespace {

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

}  // namespace

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

}  // namespace xlb::config::detail
