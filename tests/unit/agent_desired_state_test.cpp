// What the agent asks the data plane for: each backend in the stricter of its
// configured state, the operator's override and its health; health targets
// at the monitor address and port.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "agent/agent.h"
#include "agent/health_targets.h"

namespace xlb::agent {
namespace {

// A node with these VIPs (the YAML list under `vips:`).
config::Config with_vips(const std::string& vips) {
  auto cfg = config::parse("node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\nvips:\n" + vips, "t.yaml");
  if (!cfg) throw std::runtime_error(cfg.error().message);
  return *cfg;
}

config::Config lab_config() {
  return with_vips(
      "  - address: 198.51.100.10\n"
      "    port: 80\n"
      "    protocol: tcp\n"
      "    rate_limit: {rate: 10, burst: 20}\n"
      "    health_check: {type: http, path: /health, interval_ms: 300, timeout_ms: 200}\n"
      "    backends:\n"
      "      - {address: 198.18.11.2}\n"
      "      - {address: 198.18.12.2, state: draining}\n"
      "      - {address: 198.18.13.2, monitor_address: 198.18.21.2, monitor_port: 8080}\n"
      "  - {address: 198.51.100.10, port: 53, protocol: udp, backends: [{address: 198.18.11.2}]}\n");
}

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

TEST(DesiredState, ConfigOverridesAndHealthCombineToTheStricterState) {
  config::AdminState admin;
  admin.backends[{"198.51.100.10:80/tcp", ip("198.18.11.2")}] = config::BackendState::Draining;
  std::set<BackendRef> unhealthy{{"198.51.100.10:80/tcp", ip("198.18.12.2")}};
  auto services = services_of(lab_config(), admin, unhealthy);
  ASSERT_EQ(services.size(), 2u);
  const auto& web = services[0];
  EXPECT_EQ(web.rate_limit, (l4::RateLimit{10, 20}));
  EXPECT_EQ(web.backends[0].state, l4::BackendState::Draining) << "operator override";
  EXPECT_EQ(web.backends[1].state, l4::BackendState::Down) << "draining in the file, but failing its check";
  EXPECT_EQ(web.backends[2].state, l4::BackendState::Active);
  // The override names one VIP: the same address serves the other untouched.
  EXPECT_EQ(services[1].backends[0].state, l4::BackendState::Active);
}

TEST(DesiredState, BackupsStandByWhileAnotherBackendServes) {
  const auto cfg = with_vips(
      "  - address: 198.51.100.10\n"
      "    port: 80\n"
      "    protocol: tcp\n"
      "    backends:\n"
      "      - {address: 198.18.11.2}\n"
      "      - {address: 198.18.12.2, weight: 0}\n"
      "      - {address: 198.18.13.2, backup: true}\n"
      "      - {address: 198.18.14.2, backup: true, state: down}\n");
  const std::string web = "198.51.100.10:80/tcp";
  auto states = [&](const config::AdminState& admin, const std::set<BackendRef>& unhealthy) {
    std::vector<l4::BackendState> out;
    for (const auto& b : services_of(cfg, admin, unhealthy).at(0).backends) out.push_back(b.state);
    return out;
  };
  using S = l4::BackendState;
  EXPECT_EQ(states({}, {}), (std::vector<S>{S::Active, S::Active, S::Draining, S::Down}))
      << "the primary serves: the backup stands by (out of the ring, its flows kept)";
  // The only primary with weight fails its check: the backup takes new flows
  // (a weight-0 primary takes none); one that is down itself does not.
  EXPECT_EQ(states({}, {{web, ip("198.18.11.2")}}), (std::vector<S>{S::Down, S::Active, S::Active, S::Down}));
  config::AdminState drained;
  drained.backends[{web, ip("198.18.11.2")}] = config::BackendState::Draining;
  EXPECT_EQ(states(drained, {}), (std::vector<S>{S::Draining, S::Active, S::Active, S::Down}));
  // The backup failing its own check stays down whatever the others do.
  EXPECT_EQ(states({}, {{web, ip("198.18.11.2")}, {web, ip("198.18.13.2")}}),
            (std::vector<S>{S::Down, S::Active, S::Down, S::Down}));
}

TEST(DesiredState, HealthTargetsUseTheMonitorAddressAndPort) {
  auto targets = health_targets_of(lab_config());
  ASSERT_EQ(targets.size(), 3u) << "the UDP VIP has no check";
  std::map<std::string, uint16_t> port_of;
  for (const auto& [t, refs] : targets) {
    ASSERT_EQ(refs.size(), 1u);
    port_of[t.address.str()] = t.port;
    EXPECT_EQ(t.spec.type, health::CheckType::Http);
    EXPECT_EQ(t.spec.http_path, "/health");
    EXPECT_EQ(t.spec.interval, std::chrono::milliseconds(300));
  }
  EXPECT_EQ(port_of["198.18.11.2"], 80) << "the VIP's port by default";
  EXPECT_EQ(port_of["198.18.21.2"], 8080) << "monitor_address and monitor_port";
  EXPECT_FALSE(port_of.count("198.18.13.2"));
}

}  // namespace
}  // namespace xlb::agent
