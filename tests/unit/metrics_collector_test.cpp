// The families of a node snapshot, without BPF: every counter id of abi.h
// lands in a series, every drop reason is listed even at zero, and the VIP
// and backend series carry the right labels.
#include "metrics/collector.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "l4/counter_names.h"

namespace xlb::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

l4::NodeSnapshot sample_snapshot() {
  l4::NodeSnapshot s;
  // Every counter gets a distinct value: its id + 1000 packets, id + 2000 bytes.
  for (uint32_t id : l4::counter_ids()) s.counters.push_back({id, {id + 1000u, id + 2000u}});
  s.stateless.cpus_now = {0, 3};
  s.stateless.total_ns = 2500000000;  // 2.5 s
  l4::ServiceSnapshot web;
  web.key = {*IpAddr::parse("198.51.100.10"), 80, IPPROTO_TCP};
  web.stats = {.packets = 7, .bytes = 700, .new_flows = 3, .session_hits = 4, .session_misses = 3,
               .rate_limited = 1, .no_backend = 2};
  web.backends.push_back({*IpAddr::parse("198.18.11.2"), 1, 2, l4::BackendState::Active, {5, 500, 2, 0}});
  web.backends.push_back({*IpAddr::parse("198.18.12.2"), 2, 1, l4::BackendState::Draining, {2, 200, 1, 0}});
  l4::ServiceSnapshot all_ports;
  all_ports.key = {*IpAddr::parse("2001:db8:100::10"), 0, IPPROTO_UDP};
  s.services = {web, all_ports};
  return s;
}

TEST(MetricsCollector, NodeCountersBecomeTheirSeries) {
  const std::string text = families_of(sample_snapshot()).render();
  EXPECT_TRUE(has_line(text, "xlb_packets_total{verdict=\"pass\"} " + std::to_string(1000 + XLB_CNT_PASS)));
  EXPECT_TRUE(has_line(text, "xlb_packets_total{verdict=\"drop\"} " + std::to_string(1000 + XLB_CNT_DROP)));
  EXPECT_TRUE(has_line(text, "xlb_bytes_total{verdict=\"tx\"} " + std::to_string(2000 + XLB_CNT_TX)));
  EXPECT_TRUE(has_line(text, "xlb_fib_lookups_total{result=\"no_neigh\"} " + std::to_string(1000 + XLB_CNT_FIB_NO_NEIGH)));
  EXPECT_TRUE(has_line(text, "xlb_session_cache_inserts_skipped_total " + std::to_string(1000 + XLB_CNT_INSERT_SKIPPED)));
  EXPECT_TRUE(has_line(text, "xlb_stateless_mode_switches_total{direction=\"leave\"} " +
                                 std::to_string(1000 + XLB_CNT_STATELESS_LEAVE)));
  EXPECT_TRUE(has_line(text, "xlb_resets_no_backend_total " + std::to_string(1000 + XLB_CNT_RESET_NO_BACKEND)));
  EXPECT_TRUE(has_line(text, "xlb_stateless_mode_cpus 2"));
  EXPECT_TRUE(has_line(text, "xlb_stateless_mode_seconds_total 2.5"));
  EXPECT_TRUE(has_line(text, "xlb_build_info{abi_version=\"" + std::to_string(XLB_ABI_VERSION) + "\"} 1"));
  EXPECT_TRUE(has_line(text, "xlb_vips 2"));
}

TEST(MetricsCollector, EveryCounterIdHasExactlyOneSeries) {
  const std::string text = families_of(sample_snapshot()).render();
  for (uint32_t id : l4::counter_ids()) {
    // Each id's packet count is unique in the sample, so it must appear once.
    const std::string value = " " + std::to_string(id + 1000) + "\n";
    size_t count = 0;
    for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at + 1)) ++count;
    EXPECT_EQ(count, 1u) << l4::counter_name(id);
  }
}

TEST(MetricsCollector, EveryDropReasonIsListedEvenAtZero) {
  l4::NodeSnapshot s;
  for (uint32_t id : l4::counter_ids()) s.counters.push_back({id, {}});
  const std::string text = families_of(s).render();
  for (uint32_t r = 0; r < XLB_DROP_REASON_COUNT; ++r)
    EXPECT_TRUE(has_line(text, std::string("xlb_drops_total{reason=\"") + l4::drop_reason_name(r) + "\"} 0"))
        << l4::drop_reason_name(r);
  EXPECT_EQ(text.find("reason=\"drop_"), std::string::npos);
  EXPECT_TRUE(has_line(text, "xlb_vips 0"));
  EXPECT_NE(text.find("# TYPE xlb_backend_state gauge\n"), std::string::npos);  // declared with no series
}

TEST(MetricsCollector, VipAndBackendSeriesCarryTheirLabels) {
  const std::string text = families_of(sample_snapshot()).render();
  const std::string web = "vip=\"198.51.100.10\",port=\"80\",proto=\"tcp\"";
  EXPECT_TRUE(has_line(text, "xlb_vip_packets_total{" + web + "} 7"));
  EXPECT_TRUE(has_line(text, "xlb_vip_bytes_total{" + web + "} 700"));
  EXPECT_TRUE(has_line(text, "xlb_vip_new_flows_total{" + web + "} 3"));
  EXPECT_TRUE(has_line(text, "xlb_vip_session_cache_hits_total{" + web + "} 4"));
  EXPECT_TRUE(has_line(text, "xlb_vip_session_cache_misses_total{" + web + "} 3"));
  EXPECT_TRUE(has_line(text, "xlb_vip_rate_limited_total{" + web + "} 1"));
  EXPECT_TRUE(has_line(text, "xlb_vip_no_backend_total{" + web + "} 2"));
  EXPECT_TRUE(has_line(text, "xlb_vip_packets_total{vip=\"2001:db8:100::10\",port=\"*\",proto=\"udp\"} 0"));
  const std::string be1 = web + ",backend=\"198.18.11.2\"";
  const std::string be2 = web + ",backend=\"198.18.12.2\"";
  EXPECT_TRUE(has_line(text, "xlb_backend_packets_total{" + be1 + "} 5"));
  EXPECT_TRUE(has_line(text, "xlb_backend_bytes_total{" + be1 + "} 500"));
  EXPECT_TRUE(has_line(text, "xlb_backend_new_flows_total{" + be2 + "} 1"));
  EXPECT_TRUE(has_line(text, "xlb_backend_weight{" + be1 + "} 2"));
  EXPECT_TRUE(has_line(text, "xlb_backend_state{" + be1 + ",state=\"active\"} 1"));
  EXPECT_TRUE(has_line(text, "xlb_backend_state{" + be1 + ",state=\"draining\"} 0"));
  EXPECT_TRUE(has_line(text, "xlb_backend_state{" + be1 + ",state=\"down\"} 0"));
  EXPECT_TRUE(has_line(text, "xlb_backend_state{" + be2 + ",state=\"draining\"} 1"));
  EXPECT_TRUE(has_line(text, "xlb_backend_state{" + be2 + ",state=\"active\"} 0"));
}

TEST(MetricsCollector, HelpAndTypeAppearOncePerFamily) {
  const std::string text = families_of(sample_snapshot()).render();
  for (const char* family : {"xlb_packets_total", "xlb_drops_total", "xlb_backend_state", "xlb_vip_packets_total"}) {
    const std::string type = std::string("# TYPE ") + family + " ";
    EXPECT_NE(text.find(type), std::string::npos) << family;
    EXPECT_EQ(text.find(type, text.find(type) + 1), std::string::npos) << family;
  }
}

}  // namespace
}  // namespace xlb::metrics
