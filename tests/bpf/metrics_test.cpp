// /metrics from the real program's maps: a known mix of packets through
// BPF_PROG_TEST_RUN gives exact series values; the output passes
// `promtool check metrics`; and the cost of one scrape of 1000 VIPs x 16
// backends is measured and printed (no timing assertion).
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

#include "bpf/flows.h"
#include "bpf/harness.h"
#include "metrics/collector.h"

namespace xlb::testing {
namespace {

using namespace flows;

// "name{labels}" -> value, from a rendered exposition.
std::map<std::string, std::string> parse_series(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

Bytes tcp_syn_to(uint16_t dport, int i) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(client(i), kVip).tcp(port(i), dport, {.flags = kTcpSyn}).build();
}
Bytes udp_to(uint16_t dport, int i) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(client(i), kVip).udp(port(i), dport).payload("q").build();
}
Bytes not_for_a_vip(int i) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4(client(i), "198.18.1.2").udp(port(i), 22).payload("x").build();
}

const std::vector<std::string> kWebBackends = {"198.18.11.2", "198.18.12.2", "198.18.13.2"};
const std::string kWeb = "vip=\"198.51.100.10\",port=\"80\",proto=\"tcp\"";
const std::string kDns = "vip=\"198.51.100.10\",port=\"53\",proto=\"udp\"";

// Runs the mix, returns how many packets each backend got (from the packets themselves).
std::map<std::string, uint64_t> run_known_mix(L4Harness& h) {
  std::map<std::string, uint64_t> per_backend;
  auto forwarded = [&](const RunOutcome& out) {
    EXPECT_EQ(out.action, XDP_TX);
    ++per_backend[outer_dst(out.packet)];
  };
  for (int i = 0; i < 12; ++i) forwarded(h.run(tcp_syn_to(80, i)));        // 12 new TCP flows
  for (int i = 0; i < 12; ++i) forwarded(h.run(tcp_packet(i, kTcpAck)));   // 12 cached packets of them
  for (int i = 100; i < 105; ++i) forwarded(h.run(udp_to(53, i)));         // 5 UDP flows
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h.run(tcp_syn_to(8080, i)).action, XDP_DROP);  // no service
  for (int i = 0; i < 2; ++i) EXPECT_EQ(h.run(not_for_a_vip(i)).action, XDP_PASS);
  return per_backend;
}

TEST(Metrics, AKnownMixGivesExactSeries) {
  XLB_REQUIRE_BPF();
  L4Harness h(1021);
  ASSERT_TRUE(h.apply({service(kVip, 80, IPPROTO_TCP, kWebBackends), service(kVip, 53, IPPROTO_UDP, {"198.18.14.2"})})
                  .ok());
  auto per_backend = run_known_mix(h);

  auto text = metrics::collect(l4::maps_of(h.program()));
  ASSERT_TRUE(text.ok()) << text.error().message;
  auto s = parse_series(*text);
  EXPECT_EQ(s["xlb_packets_total{verdict=\"tx\"}"], "29");
  EXPECT_EQ(s["xlb_packets_total{verdict=\"drop\"}"], "4");
  EXPECT_EQ(s["xlb_packets_total{verdict=\"pass\"}"], "2");
  EXPECT_EQ(s["xlb_packets_total{verdict=\"redirect\"}"], "0");
  EXPECT_EQ(s["xlb_drops_total{reason=\"no_service\"}"], "4");
  EXPECT_EQ(s["xlb_drops_total{reason=\"no_backend\"}"], "0");
  EXPECT_EQ(s["xlb_session_cache_hits_total"], "12");
  EXPECT_EQ(s["xlb_new_flows_total"], "17");
  EXPECT_EQ(s["xlb_vip_packets_total{" + kWeb + "}"], "24");
  EXPECT_EQ(s["xlb_vip_new_flows_total{" + kWeb + "}"], "12");
  EXPECT_EQ(s["xlb_vip_session_cache_hits_total{" + kWeb + "}"], "12");
  EXPECT_EQ(s["xlb_vip_packets_total{" + kDns + "}"], "5");
  EXPECT_EQ(s["xlb_vip_new_flows_total{" + kDns + "}"], "5");
  EXPECT_EQ(s["xlb_vips"], "2");
  uint64_t web_sum = 0;
  for (const auto& be : kWebBackends) {
    const std::string key = "xlb_backend_packets_total{" + kWeb + ",backend=\"" + be + "\"}";
    EXPECT_EQ(s[key], std::to_string(per_backend[be])) << key;
    EXPECT_EQ(s["xlb_backend_state{" + kWeb + ",backend=\"" + be + "\",state=\"active\"}"], "1");
    web_sum += per_backend[be];
  }
  EXPECT_EQ(web_sum, 24u);
  EXPECT_EQ(s["xlb_backend_packets_total{" + kDns + ",backend=\"198.18.14.2\"}"], "5");
  EXPECT_EQ(s["xlb_backend_new_flows_total{" + kDns + ",backend=\"198.18.14.2\"}"], "5");
  // The agent's path (its own services, no recover) reads the same values.
  auto direct = metrics::collect(l4::maps_of(h.program()), h.tables().services());
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  EXPECT_EQ(parse_series(*direct)["xlb_backend_packets_total{" + kDns + ",backend=\"198.18.14.2\"}"], "5");
}

TEST(Metrics, PromtoolAcceptsTheOutput) {
  XLB_REQUIRE_BPF();
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    if (std::getenv("CI")) FAIL() << "promtool is missing in CI: scripts/setup.sh installs the prometheus package";
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus, or bash scripts/setup.sh)";
  }
  L4Harness h(1021);
  auto draining = service(kVip, 80, IPPROTO_TCP, kWebBackends);
  draining.backends[1].state = l4::BackendState::Draining;
  ASSERT_TRUE(h.apply({draining, service(kVip, 53, IPPROTO_UDP, {"198.18.14.2"}),
                       service("2001:db8:100::10", 0, IPPROTO_UDP, {"2001:db8:0:11::2"})})
                  .ok());
  run_known_mix(h);
  auto text = metrics::collect(l4::maps_of(h.program()));
  ASSERT_TRUE(text.ok()) << text.error().message;
  char path[] = "/tmp/xlb-metrics-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << *text;
  const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
  std::string complaints;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) complaints += buf;
  int status = pclose(p);
  ::unlink(path);
  EXPECT_EQ(status, 0) << complaints;
  EXPECT_EQ(complaints, "") << "promtool check metrics complained:\n" << complaints;
}

TEST(Metrics, ScrapeCostOf1000VipsWith16BackendsEach) {
  XLB_REQUIRE_BPF();
  L4Harness h(1021, 1024, 32768);
  std::vector<l4::ServiceSpec> services;
  for (int v = 0; v < 1000; ++v) {
    std::vector<std::string> backends;
    for (int b = 0; b < 16; ++b) backends.push_back("198.18." + std::to_string(20 + b) + "." + std::to_string(2 + v % 200));
    services.push_back(service("198.51.100." + std::to_string(1 + v % 250), static_cast<uint16_t>(1000 + v),
                               v % 2 ? IPPROTO_UDP : IPPROTO_TCP, backends));
  }
  ASSERT_TRUE(h.apply(services).ok());
  const auto maps = l4::maps_of(h.program());

  auto timed = [](auto&& fn) {
    auto t0 = std::chrono::steady_clock::now();
    auto out = fn();
    return std::pair{std::move(out), std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)};
  };
  auto [snapshot, read_ms] = timed([&] { return l4::read_snapshot(maps, h.tables().services()); });
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  auto [rendered, render_ms] = timed([&] { return metrics::families_of(*snapshot).render(); });
  auto [agent_text, agent_ms] = timed([&] { return metrics::collect(maps, h.tables().services()); });
  auto [tool_text, tool_ms] = timed([&] { return metrics::collect(maps); });
  ASSERT_TRUE(agent_text.ok()) << agent_text.error().message;
  ASSERT_TRUE(tool_text.ok()) << tool_text.error().message;
  EXPECT_EQ(*agent_text, *tool_text);
  auto s = parse_series(*agent_text);
  size_t backend_series = 0;
  for (const auto& [series, value] : s) backend_series += series.starts_with("xlb_backend_packets_total{");
  EXPECT_EQ(backend_series, 16000u);
  EXPECT_EQ(s["xlb_vips"], "1000");
  std::printf("scrape of 1000 VIPs x 16 backends (%zu bytes, %zu series): %.1f ms as the agent does it "
              "(its own services: %.1f ms reading the maps, %.1f ms rendering), %.1f ms with Tables::recover "
              "from the maps\n",
              agent_text->size(), s.size(), agent_ms.count(), read_ms.count(), render_ms.count(), tool_ms.count());
  EXPECT_EQ(rendered, *agent_text);
  RecordProperty("scrape_ms_agent", std::to_string(agent_ms.count()));
  RecordProperty("scrape_ms_recover", std::to_string(tool_ms.count()));
}

}  // namespace
}  // namespace xlb::testing
