#include "metrics/collector.h"

#include <netinet/in.h>

#include "l4/counter_names.h"

namespace xlb::metrics {

namespace {

constexpr MetricType kCounter = MetricType::Counter;
constexpr MetricType kGauge = MetricType::Gauge;

// Where a node counter goes: a family and, for families that split one
// quantity, the label that tells the parts apart.
struct NodeSeries {
  const char* family = nullptr;  // nullptr: not a node counter
  const char* label = nullptr;
  const char* label_value = nullptr;
};

// Every node counter id of abi.h has a case here: a new id in the enum fails
// the build (-Wswitch) until it is given a series.
NodeSeries node_series(uint32_t id) {
  switch (static_cast<xlb_counter_id>(id)) {
    case XLB_CNT_PASS: return {"xlb_packets_total", "verdict", "pass"};
    case XLB_CNT_TX: return {"xlb_packets_total", "verdict", "tx"};
    case XLB_CNT_REDIRECT: return {"xlb_packets_total", "verdict", "redirect"};
    case XLB_CNT_DROP: return {"xlb_packets_total", "verdict", "drop"};
    case XLB_CNT_FIB_HIT: return {"xlb_fib_lookups_total", "result", "hit"};
    case XLB_CNT_FIB_FALLBACK: return {"xlb_fib_lookups_total", "result", "fallback"};
    case XLB_CNT_FIB_NO_NEIGH: return {"xlb_fib_lookups_total", "result", "no_neigh"};
    case XLB_CNT_SESSION_HIT: return {"xlb_session_cache_hits_total"};
    case XLB_CNT_SESSION_MISS: return {"xlb_session_cache_misses_total"};
    case XLB_CNT_SESSION_INSERT: return {"xlb_session_cache_inserts_total"};
    case XLB_CNT_NEW_FLOW: return {"xlb_new_flows_total"};
    case XLB_CNT_INSERT_SKIPPED: return {"xlb_session_cache_inserts_skipped_total"};
    case XLB_CNT_STATELESS_ENTER: return {"xlb_stateless_mode_switches_total", "direction", "enter"};
    case XLB_CNT_STATELESS_LEAVE: return {"xlb_stateless_mode_switches_total", "direction", "leave"};
    case XLB_CNT_RESET_NO_BACKEND: return {"xlb_resets_no_backend_total"};
    case XLB_CNT_ICMP_ECHO_REPLY: return {"xlb_icmp_sent_total", "type", "echo_reply"};
    case XLB_CNT_ICMP_TOO_BIG: return {"xlb_icmp_sent_total", "type", "too_big"};
    case XLB_CNT_ICMP_ERROR_FORWARDED: return {"xlb_icmp_errors_forwarded_total"};
    case XLB_CNT_FRAGMENT_FORWARDED: return {"xlb_fragments_forwarded_total"};
    case XLB_CNT_NEXTHOP_CACHED: return {"xlb_nexthop_cache_hits_total"};
    case XLB_CNT_CAPTURE_RECORD: return {"xlb_capture_records_total", "result", "written"};
    case XLB_CNT_CAPTURE_RING_FULL: return {"xlb_capture_records_total", "result", "ring_full"};
    // Markers, and the drop reasons (xlb_drops_total).
    case XLB_CNT_NODE_END:
    case XLB_CNT_DROP_REASON_BASE:
    case XLB_CNT_COUNT:
    case XLB_CNT_CAPACITY: break;
  }
  return {};
}

bool is_drop_reason(uint32_t id) { return id >= XLB_CNT_DROP_REASON_BASE && id < XLB_CNT_COUNT; }

void declare_all(Exposition& e) {
  e.declare("xlb_packets_total", kCounter,
            "Packets the L4 program handled, by verdict (pass: to the kernel; tx: out of the ingress interface; "
            "redirect: out of another interface; drop)");
  e.declare("xlb_bytes_total", kCounter, "Bytes of the packets in xlb_packets_total, as received, by verdict");
  e.declare("xlb_drops_total", kCounter, "Dropped packets by reason; they add up to xlb_packets_total{verdict=\"drop\"}");
  e.declare("xlb_fib_lookups_total", kCounter,
            "Next-hop resolutions of forwarded packets (hit: the FIB answered; fallback: gateway_mac used; "
            "no_neigh: route but no neighbour yet, passed to the kernel)");
  e.declare("xlb_session_cache_hits_total", kCounter, "Packets that followed their flow's cached backend");
  e.declare("xlb_session_cache_misses_total", kCounter, "Packets of cache-using VIPs that found no usable entry");
  e.declare("xlb_session_cache_inserts_total", kCounter, "Flows whose backend was remembered in the session cache");
  e.declare("xlb_session_cache_inserts_skipped_total", kCounter,
            "New flows not remembered because their CPU was in stateless mode");
  e.declare("xlb_new_flows_total", kCounter, "Cache misses that would make an entry: the rate the flood detector measures");
  e.declare("xlb_stateless_mode_switches_total", kCounter,
            "CPUs switching to stateless mode (enter) and back to inserting (leave)");
  e.declare("xlb_resets_no_backend_total", kCounter, "TCP SYNs to a VIP with no available backend, answered with a reset");
  e.declare("xlb_icmp_sent_total", kCounter,
            "ICMP the node generated: echo replies from VIPs, and Fragmentation Needed / Packet Too Big for packets "
            "too big for the tunnel");
  e.declare("xlb_icmp_errors_forwarded_total", kCounter,
            "ICMP errors about a VIP's flows, forwarded to the backend that owns the flow");
  e.declare("xlb_fragments_forwarded_total", kCounter,
            "IP fragments balanced by an all-ports VIP that hashes on the addresses");
  e.declare("xlb_nexthop_cache_hits_total", kCounter,
            "Of the xlb_fib_lookups_total{result=\"hit\"} packets, those whose next hop came from the per-backend "
            "cache instead of a FIB lookup");
  e.declare("xlb_capture_records_total", kCounter,
            "Records of `xlb l4 capture` (two per captured packet): written to the capture ring, or lost "
            "because it was full (capture never slows forwarding down)");
  e.declare("xlb_stateless_mode_cpus", kGauge, "CPUs in stateless mode now");
  e.declare("xlb_stateless_mode_seconds_total", kCounter, "Time CPUs spent in stateless mode, summed over CPUs");
  e.declare("xlb_vip_packets_total", kCounter, "Packets forwarded to a backend for this service, as received");
  e.declare("xlb_vip_bytes_total", kCounter, "Bytes forwarded to a backend for this service, as received");
  e.declare("xlb_vip_new_flows_total", kCounter, "Connection attempts the service admitted");
  e.declare("xlb_vip_session_cache_hits_total", kCounter, "Packets of this service whose backend came from the session cache");
  e.declare("xlb_vip_session_cache_misses_total", kCounter, "Packets of this service that found no usable cache entry");
  e.declare("xlb_vip_rate_limited_total", kCounter, "New flows of this service dropped by its rate limit");
  e.declare("xlb_vip_acl_denied_total", kCounter, "Packets to this service from sources outside its allowed_cidrs");
  e.declare("xlb_vip_no_backend_total", kCounter,
            "Packets of this service with no backend available (dropped, or a SYN answered with a reset)");
  e.declare("xlb_backend_packets_total", kCounter, "Packets forwarded to this backend for this service");
  e.declare("xlb_backend_bytes_total", kCounter, "Bytes forwarded to this backend for this service, as received");
  e.declare("xlb_backend_new_flows_total", kCounter, "New flows given to this backend for this service");
  e.declare("xlb_backend_state", kGauge, "1 for the backend's effective state for this service, 0 for the others");
  e.declare("xlb_backend_weight", kGauge, "The backend's configured weight for this service");
  e.declare("xlb_build_info", kGauge, "Always 1; the labels describe this build");
  e.declare("xlb_vips", kGauge, "Services (address, port, protocol) configured on this node");
}

std::string proto_name(uint8_t proto) {
  if (proto == IPPROTO_TCP) return "tcp";
  if (proto == IPPROTO_UDP) return "udp";
  return std::to_string(proto);
}

Labels service_labels(const l4::ServiceKey& key) {
  return {{"vip", key.address.str()},
          {"port", key.port == 0 ? "*" : std::to_string(key.port)},
          {"proto", proto_name(key.proto)}};
}

Labels with(Labels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

}  // namespace

Exposition families_of(const l4::NodeSnapshot& snapshot) {
  Exposition e;
  declare_all(e);

  for (const auto& c : snapshot.counters) {
    if (is_drop_reason(c.id)) {
      e.add("xlb_drops_total", {{"reason", l4::drop_reason_name(c.id - XLB_CNT_DROP_REASON_BASE)}}, c.value.packets);
      continue;
    }
    const NodeSeries s = node_series(c.id);
    if (!s.family) continue;
    Labels labels;
    if (s.label) labels.emplace_back(s.label, s.label_value);
    e.add(s.family, labels, c.value.packets);
    if (c.id < XLB_CNT_VERDICT_END) e.add("xlb_bytes_total", labels, c.value.bytes);
  }

  e.add("xlb_stateless_mode_cpus", {}, uint64_t{snapshot.stateless.cpus_now.size()});
  e.add("xlb_stateless_mode_seconds_total", {}, double(snapshot.stateless.total_ns) / 1e9);

  for (const auto& svc : snapshot.services) {
    const Labels l = service_labels(svc.key);
    e.add("xlb_vip_packets_total", l, svc.stats.packets);
    e.add("xlb_vip_bytes_total", l, svc.stats.bytes);
    e.add("xlb_vip_new_flows_total", l, svc.stats.new_flows);
    e.add("xlb_vip_session_cache_hits_total", l, svc.stats.session_hits);
    e.add("xlb_vip_session_cache_misses_total", l, svc.stats.session_misses);
    e.add("xlb_vip_rate_limited_total", l, svc.stats.rate_limited);
    e.add("xlb_vip_no_backend_total", l, svc.stats.no_backend);
    e.add("xlb_vip_acl_denied_total", l, svc.stats.acl_denied);
    for (const auto& b : svc.backends) {
      const Labels bl = with(l, "backend", b.address.str());
      e.add("xlb_backend_packets_total", bl, b.stats.packets);
      e.add("xlb_backend_bytes_total", bl, b.stats.bytes);
      e.add("xlb_backend_new_flows_total", bl, b.stats.new_flows);
      e.add("xlb_backend_weight", bl, uint64_t{b.weight});
      for (auto state : {l4::BackendState::Active, l4::BackendState::Draining, l4::BackendState::Down})
        e.add("xlb_backend_state", with(bl, "state", l4::backend_state_name(state)), uint64_t{b.state == state});
    }
  }

  e.add("xlb_build_info", {{"abi_version", std::to_string(XLB_ABI_VERSION)}}, uint64_t{1});
  e.add("xlb_vips", {}, uint64_t{snapshot.services.size()});
  return e;
}

Result<std::string> collect(const l4::MapSet& maps, const std::map<l4::ServiceKey, l4::InstalledService>& services) {
  auto snapshot = l4::read_snapshot(maps, services);
  if (!snapshot) return snapshot.error();
  return families_of(*snapshot).render();
}

Result<std::string> collect(const l4::MapSet& maps) {
  auto snapshot = l4::read_snapshot(maps);
  if (!snapshot) return snapshot.error();
  return families_of(*snapshot).render();
}

}  // namespace xlb::metrics
