// What an agent in controller mode reports for /stats: one entry per VIP the
// controller named, matched on address, port and protocol, from the VIP's
// own data plane counters.
#include "agent/stats_report.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace xlb::agent {
namespace {

config::Vip vip(const std::string& name, const char* address, uint16_t port, config::Protocol protocol) {
  config::Vip v;
  v.name = name;
  v.address = *IpAddr::parse(address);
  v.port = port;
  v.protocol = protocol;
  return v;
}

l4::ServiceKey key(const char* address, uint16_t port, uint8_t proto) { return {*IpAddr::parse(address), port, proto}; }

TEST(StatsReport, OneEntryPerNamedVipFromItsOwnCounters) {
  config::Config running;
  running.vips = {vip("listener-web", "198.51.100.10", 80, config::Protocol::Tcp),
                  vip("listener-dns", "2001:db8::53", 53, config::Protocol::Udp)};
  // packets, bytes, new flows, hits, misses, rate limited, no backend, acl denied
  const std::map<l4::ServiceKey, xlb_vip_stats> stats = {
      {key("198.51.100.10", 80, IPPROTO_TCP), {10, 1500, 3, 7, 0, 2, 1, 4}},
      // Same address and port, other protocol: not the web listener's.
      {key("198.51.100.10", 80, IPPROTO_UDP), {99, 9900, 99, 0, 0, 0, 0, 0}},
      {key("2001:db8::53", 53, IPPROTO_UDP), {4, 400, 4, 0, 4, 0, 0, 0}}};
  const auto report = stats_report(running, stats);
  EXPECT_EQ(report, nlohmann::json::parse(R"([
    {"listener_id": "listener-web", "bytes_in": 1500, "packets_in": 10, "total_connections": 3, "request_errors": 7},
    {"listener_id": "listener-dns", "bytes_in": 400, "packets_in": 4, "total_connections": 4, "request_errors": 0}
  ])"));
}

TEST(StatsReport, NothingInstalledNothingReported) {
  config::Config running;
  running.vips = {vip("listener-web", "198.51.100.10", 80, config::Protocol::Tcp)};
  EXPECT_EQ(stats_report(running, {}), nlohmann::json::array());
}

}  // namespace
}  // namespace xlb::agent
