// The config file: decoding, defaults, and every validation rule with the line
// and field path its message must carry.
#include "config/config.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "config/diagnostics.h"

namespace xlb::config {
namespace {

// Substring checks that print both texts on failure (gmock is not linked).
::testing::AssertionResult Contains(const char* text_expr, const char* part_expr, const std::string& text,
                                    const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text_expr << " does not contain " << part_expr << "\n  text: " << text
                                       << "\n  part: " << part;
}

::testing::AssertionResult Lacks(const char* text_expr, const char* part_expr, const std::string& text,
                                 const std::string& part) {
  if (text.find(part) == std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text_expr << " contains " << part_expr << "\n  text: " << text;
}

#define EXPECT_CONTAINS(text, part) EXPECT_PRED_FORMAT2(Contains, text, part)
#define EXPECT_LACKS(text, part) EXPECT_PRED_FORMAT2(Lacks, text, part)

IpAddr ip(std::string_view text) {
  auto address = IpAddr::parse(text);
  EXPECT_TRUE(address.ok()) << text;
  return address.ok() ? *address : IpAddr{};
}

Prefix prefix(std::string_view text) {
  auto parsed = Prefix::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Prefix{};
}

Config parse_ok(std::string_view yaml) {
  auto config = parse(yaml, "t.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message << "\n--- input:\n" << yaml;
  return config.ok() ? *config : Config{};
}

// The error text of a file that must be refused.
std::string errors_of(std::string_view yaml) {
  auto config = parse(yaml, "t.yaml");
  EXPECT_FALSE(config.ok()) << "accepted:\n" << yaml;
  return config.ok() ? std::string() : config.error().message;
}

size_t line_count(const std::string& text) {
  return text.empty() ? 0 : static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// Lines 1-5 of most inputs below, so that a VIP appended after it starts on line 6.
constexpr std::string_view kHead =
    "node:\n"                                 // 1
    "  interface: eth0\n"                     // 2
    "  encap_source_v4: 198.18.200.0/24\n"    // 3
    "  encap_source_v6: 2001:db8:ff::/112\n"  // 4
    "vips:\n";                                // 5

std::string with_head(std::string_view vips) { return std::string(kHead) + std::string(vips); }

// ---- Good files ---------------------------------------------------------------

constexpr std::string_view kFullConfig = R"(node:
  interface: ens5f0
  xdp_mode: generic
  encap_source_v4: 198.18.200.0/24
  encap_source_v6: 2001:db8:ff::/112
  gateway_mac: "02:00:00:00:00:01"
  pin_dir: /sys/fs/bpf/xlb-test
  on_exit: keep
  outer_ttl: 32
dataplane:
  ring_size: 131071
  hash_seed: 0xdeadbeef
  max_vips: 128
  max_backends: 1024
vips:
  - name: web
    address: 198.51.100.10
    port: 80
    protocol: tcp
    backends:
      - address: 198.18.10.2
        weight: 3
      - address: 198.18.10.3
  - name: web6
    address: 2001:db8::1
    port: 443
    protocol: tcp
    hash: source
    backends:
      - address: 2001:db8:10::2
  - address: 198.51.100.53
    port: 0
    protocol: udp
    backends:
      - address: 2001:db8:10::53
        weight: 0
)";

TEST(ConfigParse, FullConfigHasEveryFieldRight) {
  Config c = parse_ok(kFullConfig);

  EXPECT_EQ(c.node.interface, "ens5f0");
  EXPECT_EQ(c.node.xdp_mode, XdpMode::Generic);
  EXPECT_EQ(c.node.encap_source_v4, prefix("198.18.200.0/24"));
  EXPECT_EQ(c.node.encap_source_v6, prefix("2001:db8:ff::/112"));
  ASSERT_TRUE(c.node.gateway_mac.has_value());
  EXPECT_EQ(format_mac(*c.node.gateway_mac), "02:00:00:00:00:01");
  EXPECT_EQ(c.node.pin_dir, "/sys/fs/bpf/xlb-test");
  EXPECT_EQ(c.node.on_exit, OnExit::Keep);
  EXPECT_EQ(c.node.outer_ttl, 32);

  EXPECT_EQ(c.dataplane.ring_size, 131071u);
  EXPECT_EQ(c.dataplane.hash_seed, 0xdeadbeefu);
  EXPECT_EQ(c.dataplane.max_vips, 128u);
  EXPECT_EQ(c.dataplane.max_backends, 1024u);

  ASSERT_EQ(c.vips.size(), 3u);
  const Vip& web = c.vips[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.address, ip("198.51.100.10"));
  EXPECT_TRUE(web.address.is_v4());
  EXPECT_EQ(web.port, 80);
  EXPECT_EQ(web.protocol, Protocol::Tcp);
  EXPECT_EQ(web.hash, HashMode::FiveTuple);
  ASSERT_EQ(web.backends.size(), 2u);
  EXPECT_EQ(web.backends[0], (Backend{ip("198.18.10.2"), 3}));
  EXPECT_EQ(web.backends[1], (Backend{ip("198.18.10.3"), 1}));

  const Vip& web6 = c.vips[1];
  EXPECT_EQ(web6.address, ip("2001:db8::1"));
  EXPECT_TRUE(web6.address.is_v6());
  EXPECT_EQ(web6.port, 443);
  EXPECT_EQ(web6.hash, HashMode::SourceOnly);
  ASSERT_EQ(web6.backends.size(), 1u);
  EXPECT_EQ(web6.backends[0].address, ip("2001:db8:10::2"));

  const Vip& all_ports = c.vips[2];
  EXPECT_EQ(all_ports.name, "");
  EXPECT_EQ(all_ports.port, 0);
  EXPECT_EQ(all_ports.protocol, Protocol::Udp);
  ASSERT_EQ(all_ports.backends.size(), 1u);
  EXPECT_EQ(all_ports.backends[0], (Backend{ip("2001:db8:10::53"), 0}));
}

TEST(ConfigParse, DefaultsAppliedWhenOmitted) {
  Config c =
      parse_ok(with_head("  - address: 198.51.100.10\n"
                         "    port: 80\n"
                         "    protocol: tcp\n"
                         "    backends:\n"
                         "      - address: 198.18.10.2\n"));
  EXPECT_EQ(c.node.xdp_mode, XdpMode::Native);
  EXPECT_FALSE(c.node.gateway_mac.has_value());
  EXPECT_EQ(c.node.pin_dir, "/sys/fs/bpf/xlb");
  EXPECT_EQ(c.node.on_exit, OnExit::Detach);
  EXPECT_EQ(c.node.outer_ttl, 64);
  EXPECT_EQ(c.dataplane, Dataplane{});
  EXPECT_EQ(c.dataplane.ring_size, 65537u);
  EXPECT_EQ(c.dataplane.hash_seed, 0x5eed1234u);
  EXPECT_EQ(c.dataplane.max_vips, 64u);
  EXPECT_EQ(c.dataplane.max_backends, 4096u);
  ASSERT_EQ(c.vips.size(), 1u);
  EXPECT_EQ(c.vips[0].hash, HashMode::FiveTuple);
  EXPECT_EQ(c.vips[0].backends[0].weight, 1u);
}

TEST(ConfigParse, OnlyTheInterfaceIsRequired) {
  Config c = parse_ok("node:\n  interface: eth0\n");
  EXPECT_EQ(c.node.interface, "eth0");
  EXPECT_FALSE(c.node.encap_source_v4.has_value());
  EXPECT_FALSE(c.node.encap_source_v6.has_value());
  EXPECT_TRUE(c.vips.empty());
}

TEST(ConfigParse, JsonInputParses) {
  Config c = parse_ok(R"({
  "node": {"interface": "eth1", "encap_source_v4": "198.18.200.0/24", "outer_ttl": 10},
  "dataplane": {"ring_size": 251, "hash_seed": 12345},
  "vips": [
    {"name": "dns", "address": "198.51.100.53", "port": 53, "protocol": "udp",
     "backends": [{"address": "198.18.10.2", "weight": 5}, {"address": "198.18.10.3"}]}
  ]
})");
  EXPECT_EQ(c.node.interface, "eth1");
  EXPECT_EQ(c.node.outer_ttl, 10);
  EXPECT_EQ(c.dataplane.ring_size, 251u);
  EXPECT_EQ(c.dataplane.hash_seed, 12345u);
  ASSERT_EQ(c.vips.size(), 1u);
  EXPECT_EQ(c.vips[0].protocol, Protocol::Udp);
  EXPECT_EQ(c.vips[0].port, 53);
  ASSERT_EQ(c.vips[0].backends.size(), 2u);
  EXPECT_EQ(c.vips[0].backends[0].weight, 5u);
  EXPECT_EQ(c.vips[0].backends[1].weight, 1u);
}

TEST(ConfigParse, JsonErrorsCarryLines) {
  std::string errors = errors_of(
      "{\n"
      "  \"node\": {\"interface\": \"eth1\"},\n"
      "  \"vips\": [{\"address\": \"198.51.100.1\", \"port\": 99999, \"protocol\": \"tcp\"}]\n"
      "}\n");
  EXPECT_CONTAINS(errors, "t.yaml:3: vips[0].port: '99999' is out of range (0..65535)");
}

TEST(ConfigParse, ShippedExampleIsValid) {
  // Not __FILE__: a compiler cache may make it relative to the build directory.
  const auto example = std::filesystem::path(XLB_SOURCE_DIR) / "examples/l4-node.yaml";
  auto config = load_file(example.string());
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->node.interface, "eth0");
  EXPECT_EQ(config->vips.size(), 4u);
  // The commented features are really in it, so the example stays a working reference.
  EXPECT_EQ(config->node.stateless_above, 50000u);
  int checks = 0, limits = 0, draining = 0;
  for (const auto& vip : config->vips) {
    checks += vip.health_check.has_value();
    limits += vip.rate_limit.rate > 0;
    for (const auto& b : vip.backends) draining += b.state == BackendState::Draining;
  }
  EXPECT_EQ(checks, 2);
  EXPECT_EQ(limits, 1);
  EXPECT_EQ(draining, 1);
}

TEST(ConfigParse, HashSeedTakesDecimalAndHex) {
  EXPECT_EQ(parse_ok("node: {interface: eth0}\ndataplane: {hash_seed: 4294967295}\n").dataplane.hash_seed, 0xffffffffu);
  EXPECT_EQ(parse_ok("node: {interface: eth0}\ndataplane: {hash_seed: 0X10}\n").dataplane.hash_seed, 16u);
  EXPECT_CONTAINS(errors_of("node: {interface: eth0}\ndataplane: {hash_seed: 0x100000000}\n"),
                  "t.yaml:2: dataplane.hash_seed: '0x100000000' is out of range (0..4294967295)");
}

TEST(ConfigParse, EnumsIgnoreCase) {
  Config c = parse_ok(with_head("  - {address: 198.51.100.1, port: 1, protocol: UDP, hash: Source}\n"));
  EXPECT_EQ(c.vips[0].protocol, Protocol::Udp);
  EXPECT_EQ(c.vips[0].hash, HashMode::SourceOnly);
}

TEST(ConfigParse, PinDirTrailingSlashIsDropped) {
  EXPECT_EQ(parse_ok("node: {interface: eth0, pin_dir: /sys/fs/bpf/x//}\n").node.pin_dir, "/sys/fs/bpf/x");
}

TEST(ConfigParse, VipWithoutBackendsIsAllowed) {
  Config c =
      parse_ok(with_head("  - {address: 198.51.100.1, port: 80, protocol: tcp}\n"
                         "  - {address: 198.51.100.2, port: 80, protocol: tcp, backends: []}\n"
                         "  - address: 198.51.100.3\n"
                         "    port: 80\n"
                         "    protocol: tcp\n"
                         "    backends:\n"));
  ASSERT_EQ(c.vips.size(), 3u);
  for (const Vip& vip : c.vips) EXPECT_TRUE(vip.backends.empty()) << vip_label(vip);
}

// One TCP VIP on port 80 with this further line (indented as its fields).
Config tcp80_with(const std::string& line) {
  return parse_ok(with_head("  - address: 198.51.100.1\n    port: 80\n    protocol: tcp\n" + line));
}

TEST(ConfigParse, BackupBackends) {
  Config c = tcp80_with("    backends: [{address: 198.18.0.1}, {address: 198.18.0.2, backup: true}]\n");
  ASSERT_EQ(c.vips.at(0).backends.size(), 2u);
  EXPECT_FALSE(c.vips[0].backends[0].backup);
  EXPECT_TRUE(c.vips[0].backends[1].backup);
  std::string errors = errors_of(with_head("  - address: 198.51.100.1\n"
                                           "    backends: [{address: 198.18.0.2, backup: maybe}]\n"));
  EXPECT_CONTAINS(errors, "vips[0].backends[0].backup: 'maybe' is not one of: true, false");
}

TEST(ConfigParse, AllowedCidrsAreASortedSetOfTheVipsFamily) {
  Config c = tcp80_with("    allowed_cidrs: [203.0.113.0/24, 192.0.2.0/24, 203.0.113.0/24]\n");
  ASSERT_EQ(c.vips.at(0).allowed_cidrs.size(), 2u);
  EXPECT_EQ(c.vips[0].allowed_cidrs[0].str(), "192.0.2.0/24");
  EXPECT_EQ(c.vips[0].allowed_cidrs[1].str(), "203.0.113.0/24");
  std::string errors = errors_of(with_head("  - address: 198.51.100.1\n"
                                           "    allowed_cidrs: [2001:db8::/32, 192.0.2.1/24, nope]\n"));
  EXPECT_CONTAINS(errors, "vips[0].allowed_cidrs[0]: '2001:db8::/32' is not of the VIP's address family");
  EXPECT_CONTAINS(errors, "vips[0].allowed_cidrs[1]: ");
  EXPECT_CONTAINS(errors, "vips[0].allowed_cidrs[2]: ");
  std::string many = "  - address: 198.51.100.1\n    allowed_cidrs: [";
  for (int i = 0; i < 1025; ++i) many += (i ? ", " : "") + std::string("10.") + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
  EXPECT_CONTAINS(errors_of(with_head(many + "]\n")), "vips[0].allowed_cidrs: 1025 prefixes: at most 1024");
}

TEST(ConfigParse, SameAddressOnOtherPortOrProtocolIsNoDuplicate) {
  Config c =
      parse_ok(with_head("  - {address: 198.51.100.1, port: 80, protocol: tcp}\n"
                         "  - {address: 198.51.100.1, port: 80, protocol: udp}\n"
                         "  - {address: 198.51.100.1, port: 443, protocol: tcp}\n"
                         "  - {address: 198.51.100.1, port: 0, protocol: tcp}\n"));
  EXPECT_EQ(c.vips.size(), 4u);
}

TEST(ConfigParse, OneBackendMayServeSeveralVips) {
  Config c = parse_ok(
      "node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n"
      "dataplane: {max_backends: 3}\n"  // room for two (VIP, backend) pairs
      "vips:\n"
      "  - {address: 198.51.100.1, port: 80, protocol: tcp, backends: [{address: 198.18.10.2}]}\n"
      "  - {address: 198.51.100.1, port: 443, protocol: tcp, backends: [{address: 198.18.10.2}]}\n");
  EXPECT_EQ(c.vips.size(), 2u);
}

TEST(ConfigParse, Ipv4VipMayHaveIpv6Backends) {
  Config c =
      parse_ok(with_head("  - address: 198.51.100.1\n"
                         "    port: 80\n"
                         "    protocol: tcp\n"
                         "    backends: [{address: 2001:db8:10::2}]\n"));
  EXPECT_TRUE(c.vips[0].backends[0].address.is_v6());
}

TEST(ConfigParse, ConfigsCompareByValue) {
  EXPECT_EQ(parse_ok(kFullConfig), parse_ok(kFullConfig));
  Config changed = parse_ok(kFullConfig);
  changed.vips[0].backends[0].weight = 4;
  EXPECT_NE(parse_ok(kFullConfig), changed);
}

// ---- File-level problems ------------------------------------------------------

TEST(ConfigErrors, YamlSyntaxErrorNamesTheLine) {
  std::string errors = errors_of(
      "node:\n"
      "  interface: eth0\n"
      "vips: [\n"
      "  {address: 198.51.100.1, port: 80\n"
      "dataplane: {}\n");
  EXPECT_CONTAINS(errors, "YAML syntax error");
  EXPECT_TRUE(errors.starts_with("t.yaml:5:")) << errors;
}

TEST(ConfigErrors, EmptyFileIsRefused) {
  EXPECT_CONTAINS(errors_of(""), "t.yaml: the file is empty");
  EXPECT_CONTAINS(errors_of("# nothing but a comment\n"), "the file is empty");
}

TEST(ConfigErrors, SecondDocumentIsRefused) {
  EXPECT_CONTAINS(errors_of("node: {interface: eth0}\n---\nnode: {interface: eth1}\n"),
                  "t.yaml:3: more than one YAML document");
}

TEST(ConfigErrors, TopLevelMustBeAMapping) {
  EXPECT_CONTAINS(errors_of("- node\n"), "t.yaml:1: expected a mapping (key: value), got a list");
}

// ---- Keys -----------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeysSuggestTheIntendedOne) {
  std::string errors =
      errors_of(with_head("  - address: 198.51.100.1\n"       // 6
                          "    port: 80\n"                    // 7
                          "    prot: tcp\n"                   // 8
                          "    backends:\n"                   // 9
                          "      - adress: 198.18.10.2\n"));  // 10
  EXPECT_CONTAINS(errors, "t.yaml:8: vips[0]: unknown key 'prot' (did you mean 'protocol'?)");
  EXPECT_CONTAINS(errors, "t.yaml:10: vips[0].backends[0]: unknown key 'adress' (did you mean 'address'?)");
  // The misspelt keys also leave required fields missing.
  EXPECT_CONTAINS(errors, "t.yaml:6: vips[0].protocol: required field is missing");
  EXPECT_CONTAINS(errors, "t.yaml:10: vips[0].backends[0].address: required field is missing");
}

TEST(ConfigErrors, UnknownTopLevelAndNodeKeys) {
  std::string errors = errors_of(
      "node:\n"
      "  interfce: eth0\n"
      "  interface: eth0\n"
      "dataplan: {}\n"
      "frobnicate: 1\n");
  EXPECT_CONTAINS(errors, "t.yaml:2: node: unknown key 'interfce' (did you mean 'interface'?)");
  EXPECT_CONTAINS(errors, "t.yaml:4: unknown key 'dataplan' (did you mean 'dataplane'?)");
  EXPECT_CONTAINS(errors, "t.yaml:5: unknown key 'frobnicate' (expected one of: node, dataplane, vips, bgp)");
}

TEST(ConfigErrors, KeyGivenTwice) {
  std::string errors = errors_of(
      "node:\n"
      "  interface: eth0\n"
      "  outer_ttl: 5\n"
      "  outer_ttl: 6\n");
  EXPECT_CONTAINS(errors, "t.yaml:4: node.outer_ttl: given twice (first at line 3)");
}

TEST(ConfigErrors, SuggestKey) {
  constexpr std::string_view keys[] = {"name", "address", "port", "protocol", "hash", "backends"};
  EXPECT_EQ(suggest_key("prot", keys), "protocol");  // an abbreviation beats a swap
  EXPECT_EQ(suggest_key("adress", keys), "address");
  EXPECT_EQ(suggest_key("Port", keys), "port");
  EXPECT_EQ(suggest_key("backend", keys), "backends");
  EXPECT_EQ(suggest_key("hsah", keys), "hash");
  EXPECT_EQ(suggest_key("colour", keys), "");
  EXPECT_EQ(suggest_key("p", keys), "");
}

// ---- Types and required fields -------------------------------------------------

TEST(ConfigErrors, WrongTypesAreNamed) {
  std::string errors = errors_of(
      "node:\n"                                // 1
      "  interface: [eth0, eth1]\n"            // 2
      "dataplane:\n"                           // 3
      "  - ring_size: 7\n"                     // 4
      "vips:\n"                                // 5
      "  - address: {v4: 198.51.100.1}\n"      // 6
      "    port: http\n"                       // 7
      "    protocol: tcp\n"                    // 8
      "    backends: {address: 198.18.0.1}\n"  // 9
      "  - 198.51.100.2\n");                   // 10
  EXPECT_CONTAINS(errors, "t.yaml:2: node.interface: expected a single value, got a list");
  EXPECT_CONTAINS(errors, "t.yaml:3: dataplane: expected a mapping (key: value), got a list");
  EXPECT_CONTAINS(errors, "t.yaml:6: vips[0].address: expected a single value, got a mapping");
  EXPECT_CONTAINS(errors, "t.yaml:7: vips[0].port: expected a whole number (decimal, or hex with 0x), got 'http'");
  EXPECT_CONTAINS(errors, "t.yaml:9: vips[0].backends: expected a list");
  EXPECT_CONTAINS(errors, "t.yaml:10: vips[1]: expected a mapping (key: value), got the value '198.51.100.2'");
}

TEST(ConfigErrors, VipsMustBeAList) {
  EXPECT_CONTAINS(errors_of("node: {interface: eth0}\nvips:\n  web: {}\n"),
                  "t.yaml:2: vips: expected a list (lines starting with '- '), got a mapping");
}

TEST(ConfigErrors, NumbersMustBeWholeAndNonNegative) {
  std::string errors =
      errors_of(with_head("  - {address: 198.51.100.1, port: -1, protocol: tcp}\n"                          // 6
                          "  - {address: 198.51.100.2, port: 8.5, protocol: tcp}\n"                         // 7
                          "  - {address: 198.51.100.3, port: 99999999999999999999999, protocol: tcp}\n"));  // 8
  EXPECT_CONTAINS(errors, "t.yaml:6: vips[0].port: expected a whole number");
  EXPECT_CONTAINS(errors, "t.yaml:7: vips[1].port: expected a whole number");
  EXPECT_CONTAINS(errors, "t.yaml:8: vips[2].port: '99999999999999999999999' is out of range (0..65535)");
}

TEST(ConfigErrors, MissingRequiredFields) {
  std::string errors = errors_of(
      "node:\n"               // 1
      "  xdp_mode: native\n"  // 2
      "vips:\n"               // 3
      "  - name: web\n"       // 4
      "    backends: []\n");  // 5
  EXPECT_CONTAINS(errors, "t.yaml:2: node.interface: required field is missing");
  EXPECT_CONTAINS(errors, "t.yaml:4: vips[0].address: required field is missing");
  EXPECT_CONTAINS(errors, "t.yaml:4: vips[0].port: required field is missing");
  EXPECT_CONTAINS(errors, "t.yaml:4: vips[0].protocol: required field is missing");
}

TEST(ConfigErrors, MissingNodeSection) {
  EXPECT_CONTAINS(errors_of("dataplane: {}\n"), "t.yaml:1: node: required field is missing");
}

TEST(ConfigErrors, RequiredFieldWithNoValue) {
  std::string errors =
      errors_of(with_head("  - address: 198.51.100.1\n"  // 6
                          "    port:\n"                  // 7
                          "    protocol: tcp\n"));       // 8
  EXPECT_CONTAINS(errors, "t.yaml:7: vips[0].port: required field has no value");
}

// ---- Field values -------------------------------------------------------------

TEST(ConfigErrors, BadAddressMessageHasFileLineAndPath) {
  std::string errors =
      errors_of(with_head("  - address: 198.51.100.1\n"      // 6
                          "    port: 80\n"                   // 7
                          "    protocol: tcp\n"              // 8
                          "  - address: 198.51.100.2\n"      // 9
                          "    port: 80\n"                   // 10
                          "    protocol: tcp\n"              // 11
                          "    backends:\n"                  // 12
                          "      - address: 300.1.1.1\n"));  // 13
  EXPECT_EQ(errors, "t.yaml:13: vips[1].backends[0].address: '300.1.1.1' is not an IPv4 or IPv6 address");
}

TEST(ConfigErrors, NonUnicastAddressesAreRefused) {
  std::string errors = errors_of(with_head(
      "  - {address: 0.0.0.0, port: 80, protocol: tcp}\n"                                                  // 6
      "  - {address: 'ff02::1', port: 80, protocol: tcp}\n"                                                // 7
      "  - {address: 198.51.100.1, port: 80, protocol: tcp, backends: [{address: 239.1.1.1}]}\n"           // 8
      "  - {address: 198.51.100.2, port: 80, protocol: tcp, backends: [{address: 255.255.255.255}]}\n"));  // 9
  EXPECT_CONTAINS(errors, "t.yaml:6: vips[0].address: '0.0.0.0' is the unspecified address");
  EXPECT_CONTAINS(errors, "t.yaml:7: vips[1].address: 'ff02::1' is a multicast address");
  EXPECT_CONTAINS(errors, "t.yaml:8: vips[2].backends[0].address: '239.1.1.1' is a multicast address");
  EXPECT_CONTAINS(errors, "t.yaml:9: vips[3].backends[0].address: '255.255.255.255' is the broadcast address");
}

TEST(ConfigErrors, PortRange) {
  EXPECT_CONTAINS(errors_of(with_head("  - {address: 198.51.100.1, port: 65536, protocol: tcp}\n")),
                  "t.yaml:6: vips[0].port: '65536' is out of range (0..65535)");
  parse_ok(with_head("  - {address: 198.51.100.1, port: 65535, protocol: tcp}\n"));
}

TEST(ConfigErrors, WeightRange) {
  std::string errors =
      errors_of(with_head("  - address: 198.51.100.1\n"     // 6
                          "    port: 80\n"                  // 7
                          "    protocol: tcp\n"             // 8
                          "    backends:\n"                 // 9
                          "      - address: 198.18.10.2\n"  // 10
                          "        weight: 65536\n"         // 11
                          "      - address: 198.18.10.3\n"  // 12
                          "        weight: 65535\n"));      // 13
  EXPECT_EQ(errors, "t.yaml:11: vips[0].backends[0].weight: '65536' is out of range (0..65535)");
}

TEST(ConfigErrors, OuterTtlRange) {
  EXPECT_CONTAINS(errors_of("node:\n  interface: eth0\n  outer_ttl: 0\n"),
                  "t.yaml:3: node.outer_ttl: '0' is out of range (1..255)");
  EXPECT_CONTAINS(errors_of("node:\n  interface: eth0\n  outer_ttl: 256\n"),
                  "t.yaml:3: node.outer_ttl: '256' is out of range (1..255)");
  EXPECT_EQ(parse_ok("node: {interface: eth0, outer_ttl: 255}\n").node.outer_ttl, 255);
}

TEST(ConfigErrors, EnumsListTheAllowedValues) {
  std::string errors = errors_of(
      "node:\n"                      // 1
      "  interface: eth0\n"          // 2
      "  xdp_mode: offload\n"        // 3
      "  on_exit: linger\n"          // 4
      "vips:\n"                      // 5
      "  - address: 198.51.100.1\n"  // 6
      "    port: 80\n"               // 7
      "    protocol: sctp\n"         // 8
      "    hash: dest\n");           // 9
  EXPECT_CONTAINS(errors, "t.yaml:3: node.xdp_mode: 'offload' is not one of: native, generic");
  EXPECT_CONTAINS(errors, "t.yaml:4: node.on_exit: 'linger' is not one of: detach, keep");
  EXPECT_CONTAINS(errors, "t.yaml:8: vips[0].protocol: 'sctp' is not one of: tcp, udp");
  EXPECT_CONTAINS(errors, "t.yaml:9: vips[0].hash: 'dest' is not one of: 5tuple, source");
}

TEST(ConfigErrors, InterfaceNameMustBeValid) {
  EXPECT_CONTAINS(errors_of("node: {interface: averyveryverylongname}\n"),
                  "t.yaml:1: node.interface: 'averyveryverylongname' is not a valid interface name");
  EXPECT_CONTAINS(errors_of("node: {interface: 'eth0/1'}\n"), "is not a valid interface name");
  EXPECT_CONTAINS(errors_of("node: {interface: ''}\n"), "is not a valid interface name");
}

TEST(ConfigErrors, PinDirMustBeAbsolute) {
  EXPECT_CONTAINS(errors_of("node:\n  interface: eth0\n  pin_dir: sys/fs/bpf\n"),
                  "t.yaml:3: node.pin_dir: 'sys/fs/bpf' is not an absolute path");
}

TEST(ConfigErrors, GatewayMacMustBeUnicast) {
  EXPECT_CONTAINS(errors_of("node:\n  interface: eth0\n  gateway_mac: '02:00:00:00:01'\n"),
                  "t.yaml:3: node.gateway_mac: '02:00:00:00:01' is not a MAC address");
  EXPECT_CONTAINS(errors_of("node:\n  interface: eth0\n  gateway_mac: 'ff:ff:ff:ff:ff:ff'\n"),
                  "t.yaml:3: node.gateway_mac: 'ff:ff:ff:ff:ff:ff' is not a unicast MAC address");
  EXPECT_CONTAINS(errors_of("node:\n  interface: eth0\n  gateway_mac: '00:00:00:00:00:00'\n"),
                  "is not a unicast MAC address");
}

// ---- Encapsulation sources and families ---------------------------------------------

TEST(ConfigErrors, EncapSourceV6PrefixTooShort) {
  std::string errors = errors_of(
      "node:\n"
      "  interface: eth0\n"
      "  encap_source_v6: 2001:db8:ff::/64\n");
  EXPECT_CONTAINS(errors, "t.yaml:3: node.encap_source_v6: '2001:db8:ff::/64' is too short");
  EXPECT_CONTAINS(errors, "/96 or longer");
  parse_ok("node: {interface: eth0, encap_source_v6: '2001:db8:ff::/96'}\n");
}

TEST(ConfigErrors, EncapSourceFamilyMismatch) {
  std::string errors = errors_of(
      "node:\n"
      "  interface: eth0\n"
      "  encap_source_v4: 2001:db8:ff::/112\n"
      "  encap_source_v6: 198.18.200.0/24\n");
  EXPECT_CONTAINS(errors,
                  "t.yaml:3: node.encap_source_v4: '2001:db8:ff::/112' is an IPv6 prefix; this field takes an "
                  "IPv4 one");
  EXPECT_CONTAINS(errors,
                  "t.yaml:4: node.encap_source_v6: '198.18.200.0/24' is an IPv4 prefix; this field takes an "
                  "IPv6 one");
  // The encap sources were given (if wrongly): no extra "missing" noise.
  EXPECT_LACKS(errors, "missing");
}

TEST(ConfigErrors, EncapSourceHostBitsMustBeZero) {
  EXPECT_CONTAINS(errors_of("node: {interface: eth0, encap_source_v4: 198.18.200.1/24}\n"),
                  "t.yaml:1: node.encap_source_v4: '198.18.200.1/24' has host bits set");
}

TEST(ConfigErrors, Ipv4BackendsNeedEncapSourceV4) {
  std::string errors = errors_of(
      "node:\n"                                 // 1
      "  interface: eth0\n"                     // 2
      "  encap_source_v6: 2001:db8:ff::/112\n"  // 3
      "vips:\n"                                 // 4
      "  - address: 198.51.100.1\n"             // 5
      "    port: 80\n"                          // 6
      "    protocol: tcp\n"                     // 7
      "    backends:\n"                         // 8
      "      - address: 2001:db8:10::2\n"       // 9
      "      - address: 198.18.10.2\n");        // 10
  EXPECT_EQ(errors,
            "t.yaml:1: node.encap_source_v4: missing, but needed: vips[0].backends[1] at line 10 is an IPv4 backend, "
            "and packets to it need an IPv4 outer source address");
}

TEST(ConfigErrors, Ipv6BackendsNeedEncapSourceV6) {
  std::string errors = errors_of(
      "node:\n"
      "  interface: eth0\n"
      "vips:\n"
      "  - {address: 2001:db8::1, port: 80, protocol: tcp, backends: [{address: 2001:db8:10::2}]}\n");
  EXPECT_CONTAINS(errors, "t.yaml:1: node.encap_source_v6: missing, but needed: vips[0].backends[0] at line 4");
  EXPECT_LACKS(errors, "encap_source_v4");
}

TEST(ConfigErrors, EncapSourceWithNoValueCountsAsMissing) {
  std::string errors = errors_of(
      "node:\n"
      "  interface: eth0\n"
      "  encap_source_v4:\n"
      "vips:\n"
      "  - {address: 198.51.100.1, port: 80, protocol: tcp, backends: [{address: 198.18.10.2}]}\n");
  EXPECT_CONTAINS(errors, "t.yaml:1: node.encap_source_v4: missing, but needed: vips[0].backends[0] at line 5");
}

TEST(ConfigErrors, Ipv6VipCannotHaveIpv4Backend) {
  std::string errors =
      errors_of(with_head("  - address: 2001:db8::1\n"         // 6
                          "    port: 443\n"                    // 7
                          "    protocol: tcp\n"                // 8
                          "    backends:\n"                    // 9
                          "      - address: 2001:db8:10::2\n"  // 10
                          "      - address: 198.18.10.2\n"));  // 11
  EXPECT_EQ(errors,
            "t.yaml:11: vips[0].backends[1].address: 198.18.10.2 is an IPv4 backend of an IPv6 VIP; an IPv6 packet "
            "cannot be carried inside IPv4 (IPv4 VIPs may have IPv6 backends, not the reverse)");
}

// ---- Dataplane limits -------------------------------------------------------------

TEST(ConfigErrors, RingSizeMustBePrime) {
  std::string errors = errors_of("node: {interface: eth0}\ndataplane:\n  ring_size: 65536\n");
  EXPECT_CONTAINS(errors, "t.yaml:3: dataplane.ring_size: 65536 is not a prime number");
  parse_ok("node: {interface: eth0}\ndataplane: {ring_size: 7}\n");
}

TEST(ConfigErrors, RingSizeAtLeastSeven) {
  EXPECT_CONTAINS(errors_of("node: {interface: eth0}\ndataplane:\n  ring_size: 5\n"),
                  "t.yaml:3: dataplane.ring_size: '5' is out of range (7..4294967295)");
}

TEST(ConfigErrors, RingsMustFitOneMap) {
  EXPECT_CONTAINS(errors_of("node: {interface: eth0}\ndataplane:\n  max_vips: 4096\n  ring_size: 1048583\n"),
                  "t.yaml:4: dataplane.ring_size: (max_vips + 1) x ring_size = 4296044551 ring slots");
  parse_ok("node: {interface: eth0}\ndataplane:\n  max_vips: 4095\n  ring_size: 1048573\n");
}

TEST(ConfigErrors, MaxVipsAndMaxBackendsRanges) {
  std::string errors = errors_of(
      "node: {interface: eth0}\n"
      "dataplane:\n"
      "  max_vips: 0\n"
      "  max_backends: 1\n");
  EXPECT_CONTAINS(errors, "t.yaml:3: dataplane.max_vips: '0' is out of range (1..4096)");
  EXPECT_CONTAINS(errors, "t.yaml:4: dataplane.max_backends: '1' is out of range (2..65536)");
  errors = errors_of("node: {interface: eth0}\ndataplane:\n  max_vips: 4097\n  max_backends: 65537\n");
  EXPECT_CONTAINS(errors, "t.yaml:3: dataplane.max_vips: '4097' is out of range (1..4096)");
  EXPECT_CONTAINS(errors, "t.yaml:4: dataplane.max_backends: '65537' is out of range (2..65536)");
  parse_ok("node: {interface: eth0}\ndataplane: {max_vips: 4096, max_backends: 65536, ring_size: 7}\n");
}

TEST(ConfigErrors, MoreVipsThanMaxVips) {
  std::string errors = errors_of(
      "node: {interface: eth0}\n"
      "dataplane: {max_vips: 2}\n"
      "vips:\n"
      "  - {address: 198.51.100.1, port: 1, protocol: tcp}\n"
      "  - {address: 198.51.100.1, port: 2, protocol: tcp}\n"
      "  - {address: 198.51.100.1, port: 3, protocol: tcp}\n");
  EXPECT_EQ(errors, "t.yaml:3: vips: 3 VIPs are listed, but dataplane.max_vips is 2");
}

// Each (VIP, backend) pair takes a backend id: 4 pairs over 3 addresses do not fit in 2.
TEST(ConfigErrors, MorePairsThanMaxBackends) {
  std::string errors = errors_of(
      "node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n"
      "dataplane: {max_backends: 3}\n"
      "vips:\n"
      "  - {address: 198.51.100.1, port: 1, protocol: tcp, backends: [{address: 198.18.0.1}, {address: 198.18.0.2}]}\n"
      "  - {address: 198.51.100.1, port: 2, protocol: tcp, backends: [{address: 198.18.0.2}, {address: "
      "198.18.0.3}]}\n");
  EXPECT_EQ(errors,
            "t.yaml:3: vips: 4 (VIP, backend) pairs are listed, but dataplane.max_backends is 3 (room for 2: id 0 "
            "is reserved): raise max_backends");
}

TEST(ConfigErrors, MoreBackendsThanRingSlots) {
  std::string vip =
      "  - address: 198.51.100.1\n"  // 6
      "    port: 80\n"               // 7
      "    protocol: tcp\n"          // 8
      "    backends:\n";             // 9
  for (int i = 1; i <= 8; ++i) vip += "      - address: 198.18.0." + std::to_string(i) + "\n";
  std::string yaml = with_head(vip) + "dataplane: {ring_size: 7}\n";
  EXPECT_EQ(errors_of(yaml), "t.yaml:9: vips[0].backends: 8 backends, but dataplane.ring_size is only 7");
}

TEST(ConfigErrors, LimitsThatFailedToDecodeAreNotUsed) {
  // A malformed max_vips must not be replaced by its default and then
  // reported again as "too many VIPs".
  std::string yaml = "node: {interface: eth0}\ndataplane: {max_vips: lots}\nvips:\n";
  for (int i = 1; i <= 70; ++i) yaml += "  - {address: 198.51.100.1, port: " + std::to_string(i) + ", protocol: tcp}\n";
  EXPECT_EQ(errors_of(yaml),
            "t.yaml:2: dataplane.max_vips: expected a whole number (decimal, or hex with 0x), got 'lots'");
}

// ---- Duplicates --------------------------------------------------------------------

TEST(ConfigErrors, DuplicateVipGivesBothLines) {
  std::string errors =
      errors_of(with_head("  - name: web\n"               // 6
                          "    address: 198.51.100.10\n"  // 7
                          "    port: 80\n"                // 8
                          "    protocol: tcp\n"           // 9
                          "  - name: other\n"             // 10
                          "    address: 198.51.100.11\n"  // 11
                          "    port: 80\n"                // 12
                          "    protocol: tcp\n"           // 13
                          "  - address: 198.51.100.10\n"  // 14
                          "    port: 80\n"                // 15
                          "    protocol: tcp\n"));        // 16
  EXPECT_EQ(errors, "t.yaml:14: vips[2]: 198.51.100.10:80/tcp is defined twice: here and as vips[0] at line 6");
}

TEST(ConfigErrors, DuplicateIpv6VipIgnoresSpelling) {
  std::string errors =
      errors_of(with_head("  - {address: '2001:db8::1', port: 443, protocol: tcp}\n"               // 6
                          "  - {address: '2001:0db8:0:0:0:0:0:1', port: 443, protocol: tcp}\n"));  // 7
  EXPECT_CONTAINS(errors,
                  "t.yaml:7: vips[1]: [2001:db8::1]:443/tcp is defined twice: here and as vips[0] at "
                  "line 6");
}

TEST(ConfigErrors, DuplicateVipName) {
  std::string errors =
      errors_of(with_head("  - {name: web, address: 198.51.100.1, port: 80, protocol: tcp}\n"      // 6
                          "  - {name: web, address: 198.51.100.1, port: 443, protocol: tcp}\n"));  // 7
  EXPECT_EQ(errors, "t.yaml:7: vips[1].name: 'web' is already the name of vips[0] at line 6");
}

TEST(ConfigErrors, DuplicateBackendInOneVip) {
  std::string errors =
      errors_of(with_head("  - address: 198.51.100.1\n"     // 6
                          "    port: 80\n"                  // 7
                          "    protocol: tcp\n"             // 8
                          "    backends:\n"                 // 9
                          "      - address: 198.18.10.2\n"  // 10
                          "      - address: 198.18.10.3\n"  // 11
                          "      - address: 198.18.10.2\n"  // 12
                          "        weight: 5\n"));          // 13
  EXPECT_EQ(errors,
            "t.yaml:12: vips[0].backends[2].address: 198.18.10.2 is listed twice in this VIP (first as "
            "vips[0].backends[0] at line 10)");
}

// ---- All problems at once ---------------------------------------------------------

TEST(ConfigErrors, EveryProblemIsReportedInLineOrder) {
  std::string errors = errors_of(
      "node:\n"                         // 1
      "  interface: eth0\n"             // 2
      "  outer_ttl: 0\n"                // 3
      "dataplane:\n"                    // 4
      "  ring_size: 100\n"              // 5
      "vips:\n"                         // 6
      "  - address: 2001:db8::1\n"      // 7
      "    port: 80\n"                  // 8
      "    protocol: tcp\n"             // 9
      "    backends:\n"                 // 10
      "      - address: 198.18.10.2\n"  // 11
      "  - address: 198.51.100.1\n"     // 12
      "    port: 70000\n"               // 13
      "    protocol: icmp\n"            // 14
      "    colour: blue\n");            // 15
  const std::string expected =
      "t.yaml:3: node.outer_ttl: '0' is out of range (1..255)\n"
      "t.yaml:5: dataplane.ring_size: 100 is not a prime number; Maglev needs a prime ring size (e.g. 65537, 131071)\n"
      "t.yaml:11: vips[0].backends[0].address: 198.18.10.2 is an IPv4 backend of an IPv6 VIP; an IPv6 packet cannot "
      "be carried inside IPv4 (IPv4 VIPs may have IPv6 backends, not the reverse)\n"
      "t.yaml:13: vips[1].port: '70000' is out of range (0..65535)\n"
      "t.yaml:14: vips[1].protocol: 'icmp' is not one of: tcp, udp\n"
      "t.yaml:15: vips[1]: unknown key 'colour' (expected one of: name, address, port, protocol, hash, stateless, rate_limit, "
      "health_check, backends, allowed_cidrs)";
  EXPECT_EQ(errors, expected);
  EXPECT_EQ(line_count(errors), 6u);
}

// ---- Files ------------------------------------------------------------------------

TEST(ConfigLoadFile, MissingFileNamesPathAndReason) {
  auto config = load_file("/nonexistent/xlb/l4.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_CONTAINS(config.error().message, "'/nonexistent/xlb/l4.yaml'");
  EXPECT_CONTAINS(config.error().message, "No such file or directory");
}

TEST(ConfigLoadFile, DirectoryIsRefused) {
  auto config = load_file("/");
  ASSERT_FALSE(config.ok());
  EXPECT_CONTAINS(config.error().message, "Is a directory");
}

class TempFile {
 public:
  explicit TempFile(std::string_view contents) {
    path_ = (std::filesystem::temp_directory_path() /
             ("xlb_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".yaml"))
                .string();
    std::ofstream(path_) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(ConfigLoadFile, ReadsFileAndNamesItInErrors) {
  TempFile good("node:\n  interface: eth7\n");
  auto config = load_file(good.path());
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->node.interface, "eth7");

  TempFile bad("node:\n  interface: eth7\n  outer_ttl: 900\n");
  auto refused = load_file(bad.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, bad.path() + ":3: node.outer_ttl: '900' is out of range (1..255)");
}

// ---- Helpers for callers ----------------------------------------------------------

TEST(ConfigHelpers, VipLabel) {
  Vip v4{.name = "", .address = ip("198.51.100.10"), .port = 80, .protocol = Protocol::Tcp};
  Vip v6{.name = "", .address = ip("2001:db8::1"), .port = 443, .protocol = Protocol::Tcp};
  Vip all_ports{.name = "", .address = ip("198.51.100.53"), .port = 0, .protocol = Protocol::Udp};
  EXPECT_EQ(vip_label(v4), "198.51.100.10:80/tcp");
  EXPECT_EQ(vip_label(v6), "[2001:db8::1]:443/tcp");
  EXPECT_EQ(vip_label(all_ports), "198.51.100.53:*/udp");
}

TEST(ConfigHelpers, Names) {
  EXPECT_EQ(ip_protocol(Protocol::Tcp), IPPROTO_TCP);
  EXPECT_EQ(ip_protocol(Protocol::Udp), IPPROTO_UDP);
  EXPECT_EQ(protocol_name(Protocol::Udp), "udp");
  EXPECT_EQ(hash_mode_name(HashMode::FiveTuple), "5tuple");
  EXPECT_EQ(hash_mode_name(HashMode::SourceOnly), "source");
  EXPECT_EQ(xdp_mode_name(XdpMode::Generic), "generic");
  EXPECT_EQ(on_exit_name(OnExit::Keep), "keep");
}

TEST(ConfigHelpers, RestartRequiredChanges) {
  const Config running = parse_ok(kFullConfig);
  Config live_change = running;
  live_change.vips.pop_back();
  live_change.node.gateway_mac.reset();
  live_change.node.encap_source_v4 = prefix("198.18.201.0/24");
  live_change.node.on_exit = OnExit::Detach;
  EXPECT_TRUE(restart_required_changes(running, live_change).empty());

  Config restart = running;
  restart.dataplane.ring_size = 65537;
  restart.dataplane.hash_seed = 1;
  restart.node.outer_ttl = 64;
  restart.node.interface = "eth9";
  EXPECT_EQ(restart_required_changes(running, restart),
            (std::vector<std::string>{"node.interface: ens5f0 -> eth9", "node.outer_ttl: 32 -> 64",
                                      "dataplane.ring_size: 131071 -> 65537",
                                      "dataplane.hash_seed: 0xdeadbeef -> 0x00000001"}));
}

}  // namespace
}  // namespace xlb::config


namespace {
TEST(ConfigSessions, CacheSettingsAndStatelessVips) {
  auto cfg = xlb::config::parse("node: {interface: eth0, encap_source_v4: 198.18.200.0/24}\n"
                                "dataplane: {session_cache_size: 1000, udp_idle_timeout: 5}\n"
                                "vips:\n"
                                "  - {address: 198.51.100.1, port: 53, protocol: udp, stateless: true}\n"
                                "  - {address: 198.51.100.1, port: 80, protocol: tcp}\n",
                                "s.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->dataplane.session_cache_size, 1000u);
  EXPECT_EQ(cfg->dataplane.udp_idle_timeout, 5u);
  EXPECT_TRUE(cfg->vips[0].stateless);
  EXPECT_FALSE(cfg->vips[1].stateless);

  auto defaults = xlb::config::parse("node: {interface: eth0}\n", "d.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->dataplane.session_cache_size, 262144u);
  EXPECT_EQ(defaults->dataplane.udp_idle_timeout, 30u);

  auto bad = xlb::config::parse("node: {interface: eth0}\n"
                                "dataplane: {udp_idle_timeout: 0}\n"
                                "vips:\n"
                                "  - {address: 198.51.100.1, port: 53, protocol: udp, stateless: maybe}\n",
                                "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("b.yaml:2: dataplane.udp_idle_timeout: '0' is out of range"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("b.yaml:4: vips[0].stateless: 'maybe' is not one of: true, false"),
            std::string::npos)
      << bad.error().message;

  auto running = *defaults;
  auto candidate = running;
  candidate.dataplane.session_cache_size = 5;
  auto changes = xlb::config::restart_required_changes(running, candidate);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "dataplane.session_cache_size: 262144 -> 5");
}
}  // namespace
