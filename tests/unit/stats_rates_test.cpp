// `xlb l4 stats` turns two reads of the maps into rates.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "cli/stats.h"

namespace xlb::cli {
namespace {

l4::NodeSnapshot snapshot(uint64_t tx, uint64_t no_service, uint64_t vip_packets, uint64_t be_packets,
                          uint64_t new_flows) {
  l4::NodeSnapshot s;
  s.counters.push_back({XLB_CNT_TX, xlb_counter{tx, tx * 100}});
  s.counters.push_back({XLB_CNT_DROP, xlb_counter{no_service, no_service * 60}});
  s.counters.push_back({uint32_t(XLB_CNT_DROP_REASON_BASE) + uint32_t(XLB_DROP_NO_SERVICE), xlb_counter{no_service, no_service * 60}});
  s.counters.push_back({XLB_CNT_SESSION_HIT, xlb_counter{tx, 0}});
  l4::ServiceSnapshot svc;
  svc.key = l4::ServiceKey{*IpAddr::parse("198.51.100.10"), 53, IPPROTO_UDP};
  svc.vip_id = 3;
  svc.stats.packets = vip_packets;
  svc.stats.bytes = vip_packets * 100;
  svc.stats.new_flows = new_flows;
  l4::BackendSnapshot be;
  be.address = *IpAddr::parse("198.18.11.2");
  be.id = 7;
  be.stats.packets = be_packets;
  svc.backends.push_back(be);
  s.services.push_back(svc);
  return s;
}

TEST(StatsRates, RatesAreDifferencesOverTheInterval) {
  auto r = stats_rates(snapshot(1000, 10, 1000, 400, 50), snapshot(3000, 30, 3000, 1400, 150), 2.0);
  EXPECT_DOUBLE_EQ(r["verdicts"]["tx"]["pps"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(r["verdicts"]["tx"]["bps"].get<double>(), 800000.0);
  EXPECT_DOUBLE_EQ(r["drops_per_s"]["no_service"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(r["node_per_s"]["session_hit"].get<double>(), 1000.0);
  const auto& vip = r["vips"][0];
  EXPECT_EQ(vip["service"], "198.51.100.10:53/udp");
  EXPECT_DOUBLE_EQ(vip["pps"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(vip["new_flows_per_s"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(vip["backends"][0]["pps"].get<double>(), 500.0);
  EXPECT_EQ(vip["backends"][0]["state"], "active");
}

TEST(StatsRates, ANewServiceStartsFromZeroAndCountersGoingBackwardsAreNotHuge) {
  l4::NodeSnapshot empty;
  auto fresh = stats_rates(empty, snapshot(10, 0, 10, 10, 1), 1.0);
  EXPECT_DOUBLE_EQ(fresh["vips"][0]["pps"].get<double>(), 10.0);
  // The VIP id was reused by another service in between: its counters restarted.
  auto before = snapshot(5000, 0, 5000, 5000, 500);
  auto after = snapshot(5010, 0, 10, 10, 1);
  after.services[0].vip_id = 4;
  auto r = stats_rates(before, after, 1.0);
  EXPECT_DOUBLE_EQ(r["vips"][0]["pps"].get<double>(), 10.0);
  auto backwards = stats_rates(snapshot(100, 0, 100, 100, 1), snapshot(50, 0, 50, 50, 1), 1.0);
  EXPECT_DOUBLE_EQ(backwards["verdicts"]["tx"]["pps"].get<double>(), 0.0);
}

TEST(StatsRates, TheTableNamesEveryVipAndBackend) {
  auto text = render_stats(stats_rates(snapshot(0, 0, 0, 0, 0), snapshot(10, 2, 10, 10, 1), 1.0));
  EXPECT_NE(text.find("198.51.100.10:53/udp"), std::string::npos) << text;
  EXPECT_NE(text.find("198.18.11.2 (active)"), std::string::npos) << text;
  EXPECT_NE(text.find("drop no_service"), std::string::npos) << text;
}

}  // namespace
}  // namespace xlb::cli
