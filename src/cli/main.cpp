// xlb: the operator's command line. Local commands inspect an L4 node,
// explain a flow, prepare a backend; the API commands (cli/api_commands.h)
// drive xlb-controller.
#include <netinet/in.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <thread>
#include <iostream>
#include <nlohmann/json.hpp>

#include "backend/prepare.h"
#include "cli/api_commands.h"
#include "cli/backend_show.h"
#include "cli/capture.h"
#include "cli/drain.h"
#include "cli/node_drain.h"
#include "cli/show.h"
#include "cli/stats.h"
#include "l4/map_set.h"
#include "l4/snapshot.h"
#include "l4/explain.h"

namespace {

int fail(const xlb::Error& e) {
  std::cerr << "xlb: " << e.message << "\n";
  return 1;
}

xlb::bpf::XdpMode parse_mode(const std::string& m) {
  return m == "generic" ? xlb::bpf::XdpMode::Generic : xlb::bpf::XdpMode::Native;
}

int show(const std::string& pin_dir, bool as_json) {
  auto state = xlb::cli::l4_state(pin_dir);
  if (!state) return fail(state.error());
  std::cout << (as_json ? state->dump(2) + "\n" : xlb::cli::render_l4_state(*state));
  return 0;
}

int explain(const std::string& pin_dir, const std::string& proto, const std::string& src, uint16_t sport,
            const std::string& dst, uint16_t dport, bool as_json) {
  xlb::l4::FlowQuery q;
  q.proto = proto == "tcp" ? IPPROTO_TCP : IPPROTO_UDP;
  auto s = xlb::IpAddr::parse(src);
  if (!s) return fail(s.error());
  auto d = xlb::IpAddr::parse(dst);
  if (!d) return fail(d.error());
  q.src = *s;
  q.dst = *d;
  q.sport = sport;
  q.dport = dport;
  auto e = xlb::l4::explain(pin_dir, q);
  if (!e) return fail(e.error());
  nlohmann::json j{{"verdict", e->verdict}, {"ingress", e->ingress}, {"service", e->service}, {"hash", e->hash},
                   {"ring_slot", e->ring_slot}, {"ring_size", e->ring_size}};
  if (e->backend) j["backend"] = e->backend->str();
  if (e->backend_id) j["backend_id"] = *e->backend_id;
  if (e->outer_source) j["outer_source"] = e->outer_source->str();
  if (!e->drop_reason.empty()) j["drop_reason"] = e->drop_reason;
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "flow      " << proto << " " << src << ":" << sport << " -> " << dst << ":" << dport << "\n";
  std::cout << "ingress   " << (e->ingress.empty() ? "lo (xlb_l4 is attached nowhere in this namespace)" : e->ingress)
            << "\n";
  std::cout << "verdict   " << e->verdict << (e->drop_reason.empty() ? "" : " (" + e->drop_reason + ")") << "\n";
  if (e->service.empty()) {
    std::cout << "service   none matches: "
              << (e->verdict == "XDP_PASS" ? "not a VIP address, the kernel gets the packet"
                                           : "a VIP address, but no service on that port and protocol")
              << "\n";
    return 0;
  }
  std::cout << "service   " << e->service << (e->source_only_hash ? " (hash on source address only)" : " (5-tuple hash)")
            << "\n";
  std::cout << "hash      0x" << std::hex << e->hash << std::dec << " -> ring slot " << e->ring_slot << " of "
            << e->ring_size << "\n";
  if (e->backend)
    std::cout << "backend   " << e->backend->str() << " (id " << (e->backend_id ? *e->backend_id : 0)
              << "), outer source " << e->outer_source->str() << "\n";
  return 0;
}

// Rates between reads `interval` apart; `count` screens (0: until interrupted).
int stats(const std::string& pin_dir, double interval, int count, bool as_json) {
  if (!(interval >= 0.1 && interval <= 3600)) return fail(xlb::Error{"--interval must be 0.1..3600 seconds"});
  auto pinned = xlb::l4::PinnedMapSet::open(pin_dir);
  if (!pinned) return fail(pinned.error());
  auto before = xlb::l4::read_snapshot((*pinned)->maps());
  if (!before) return fail(before.error());
  auto t0 = std::chrono::steady_clock::now();
  const bool live = !as_json && ::isatty(STDOUT_FILENO);
  for (int shown = 0; count == 0 || shown < count; ++shown) {
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
    auto after = xlb::l4::read_snapshot((*pinned)->maps());
    if (!after) return fail(after.error());
    auto t1 = std::chrono::steady_clock::now();
    auto rates = xlb::cli::stats_rates(*before, *after, std::chrono::duration<double>(t1 - t0).count());
    if (as_json)
      std::cout << rates.dump(2) << "\n";
    else
      std::cout << (live ? "\033[H\033[2J" : "") << xlb::cli::render_stats(rates) << (live ? "" : "\n") << std::flush;
    before = std::move(after);
    t0 = t1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xlb: command line for the xlb load balancer"};
  app.require_subcommand(1);

  auto* l4 = app.add_subcommand("l4", "inspect the L4 data plane of this node");
  l4->require_subcommand(1);
  std::string pin_dir = "/sys/fs/bpf/xlb";
  bool as_json = false;

  auto* show_cmd = l4->add_subcommand("show", "VIPs, backends, weights, ring fill and counters");
  show_cmd->add_option("--pin-dir", pin_dir, "where the agent pinned its maps")->capture_default_str();
  show_cmd->add_flag("--json", as_json, "machine-readable output");

  double stats_interval = 1.0;
  int stats_count = 0;
  auto* stats_cmd = l4->add_subcommand("stats", "rates now: pps, bit/s and new flows/s per VIP and backend, drops/s");
  stats_cmd->add_option("--pin-dir", pin_dir, "where the agent pinned its maps")->capture_default_str();
  stats_cmd->add_option("--interval", stats_interval, "seconds between reads")->capture_default_str();
  stats_cmd->add_option("--count", stats_count, "screens to show (0: until interrupted; --json: default 1)");
  stats_cmd->add_flag("--json", as_json, "machine-readable rates");

  std::string proto, src, dst;
  uint16_t sport = 0, dport = 0;
  auto* explain_cmd = l4->add_subcommand("explain", "which backend gets this flow, and why (runs the real program)");
  explain_cmd->add_option("proto", proto, "tcp or udp")->required()->check(CLI::IsMember({"tcp", "udp"}));
  explain_cmd->add_option("src", src, "client address")->required();
  explain_cmd->add_option("sport", sport, "client port")->required();
  explain_cmd->add_option("dst", dst, "VIP address")->required();
  explain_cmd->add_option("dport", dport, "VIP port")->required();
  explain_cmd->add_option("--pin-dir", pin_dir, "where the agent pinned its maps")->capture_default_str();
  explain_cmd->add_flag("--json", as_json, "machine-readable output");

  xlb::cli::CaptureRequest cap;
  auto* capture_cmd = l4->add_subcommand(
      "capture", "write packets the balancer handled, as received and as sent (or why dropped), to a pcapng file");
  capture_cmd->add_option("--vip", cap.vip, "only packets to this VIP: ADDR, ADDR:PORT or [V6ADDR]:PORT");
  capture_cmd->add_option("--proto", cap.proto, "with --vip: only tcp or udp")->check(CLI::IsMember({"tcp", "udp"}));
  capture_cmd->add_option("--backend", cap.backend, "only packets the balancer chose this backend for");
  auto* drop_opt = capture_cmd->add_option("--drop", cap.drop, "only packets dropped for this reason (e.g. no_service)");
  capture_cmd->add_flag("--drops", cap.drops, "only dropped packets, any reason")->excludes(drop_opt);
  capture_cmd->add_option("--count", cap.count, "stop after this many packets (each written as received and as sent)")
      ->capture_default_str();
  capture_cmd->add_option("--sample", cap.sample, "keep 1 in K matching packets")->capture_default_str();
  capture_cmd->add_option("--snaplen", cap.snaplen, "bytes kept of each packet, at most 2048")->capture_default_str();
  capture_cmd->add_option("--timeout", cap.timeout_s, "stop after this many seconds (0: no limit)")
      ->capture_default_str();
  capture_cmd->add_option("-w,--write", cap.output, "the pcapng file to write (-: standard output)")->required();
  capture_cmd->add_option("--pin-dir", pin_dir, "where the agent pinned its maps")->capture_default_str();

  xlb::cli::DrainRequest drain_req;
  drain_req.admin_state_file = "/var/lib/xlb/admin-state.json";
  double wait_s = 10;
  auto add_drain = [&](const char* name, const char* help) {
    auto* cmd = l4->add_subcommand(name, help);
    cmd->add_option("vip", drain_req.vip, "VIP service as `xlb l4 show` prints it, e.g. 198.51.100.10:80/tcp")
        ->required();
    cmd->add_option("backend", drain_req.backend, "backend address")->required();
    cmd->add_option("--pin-dir", pin_dir, "where the agent pinned its maps")->capture_default_str();
    cmd->add_option("--admin-state-file", drain_req.admin_state_file, "the agent's node.admin_state_file")
        ->capture_default_str();
    cmd->add_option("--wait", wait_s, "seconds to wait for the agent to apply it")->capture_default_str();
    return cmd;
  };
  auto* drain_cmd = add_drain("drain", "take a backend out of a VIP's ring; its established flows go on");
  auto* undrain_cmd = add_drain("undrain", "give a drained backend new flows again");

  auto* node = app.add_subcommand("node", "this L4 node in the ECMP group (BGP)");
  node->require_subcommand(1);
  xlb::cli::NodeDrainRequest node_req;
  node_req.config_path = "/etc/xlb/l4.yaml";
  auto add_node_drain = [&](const char* name, const char* help) {
    auto* cmd = node->add_subcommand(name, help);
    cmd->add_option("-c,--config", node_req.config_path, "the agent's config file")->capture_default_str();
    cmd->add_option("--wait", wait_s, "seconds to wait for the agent to withdraw the routes")->capture_default_str();
    return cmd;
  };
  auto* node_drain_cmd = add_node_drain("drain", "withdraw every VIP route of this node, for maintenance");
  auto* node_undrain_cmd = add_node_drain("undrain", "announce the VIPs again");

  auto* backend = app.add_subcommand("backend", "set up this host as an xlb backend");
  backend->require_subcommand(1);
  xlb::backend::PrepareOptions prep;
  std::vector<std::string> vip_texts;
  std::string mode = "native";
  auto* prepare_cmd = backend->add_subcommand("prepare", "attach decap, put VIPs on lo, set DSR sysctls");
  prepare_cmd->add_option("--iface", prep.interface, "interface that receives encapsulated traffic")->required();
  prepare_cmd->add_option("--vip", vip_texts, "a VIP this backend serves (repeat)")->required();
  std::vector<std::string> source_texts;
  prepare_cmd->add_option("--encap-source", source_texts,
                          "accept tunnelled packets only from this prefix, the L4 nodes' encap_source (repeat)");
  prepare_cmd->add_option("--pin-dir", prep.pin_dir, "where decap maps are pinned")->capture_default_str();
  prepare_cmd->add_option("--xdp-mode", mode, "native or generic")->check(CLI::IsMember({"native", "generic"}));
  prepare_cmd
      ->add_option("--tunnel-mtu", prep.tunnel_mtu,
                   "MSS clamping: the MTU of the path from the L4 nodes to this backend; SYN-ACKs from a VIP "
                   "advertise an MSS that fits it once tunnelled (default 0: off, PMTU discovery does the work)")
      ->check(CLI::Range(0u, xlb::backend::kMaxTunnelMtu));
  prepare_cmd->add_flag("--tunnel-over-ipv6", prep.tunnel_over_ipv6,
                        "the L4 nodes reach this backend by an IPv6 address (IPv4 VIPs cost 40 bytes of tunnel)");
  std::string reset_iface;
  auto* reset_cmd = backend->add_subcommand("reset", "undo prepare");
  reset_cmd->add_option("--iface", reset_iface, "interface")->required();
  reset_cmd->add_option("--pin-dir", prep.pin_dir, "where decap maps are pinned")->capture_default_str();
  reset_cmd->add_option("--xdp-mode", mode, "native or generic")->check(CLI::IsMember({"native", "generic"}));

  auto* backend_show_cmd = backend->add_subcommand("show", "VIPs served, MSS clamp, decap and clamp counters");
  backend_show_cmd->add_option("--pin-dir", prep.pin_dir, "where decap maps are pinned")->capture_default_str();
  backend_show_cmd->add_flag("--json", as_json, "machine-readable output");

  xlb::cli::ApiCommands api_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; a command line that does not parse exits 2 (docs/cli.md).
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (auto code = api_commands.run()) return *code;

  if (*show_cmd) return show(pin_dir, as_json);
  if (*stats_cmd) return stats(pin_dir, stats_interval, as_json && stats_count == 0 ? 1 : stats_count, as_json);
  if (*capture_cmd) {
    cap.pin_dir = pin_dir;
    return xlb::cli::run_capture(cap);
  }
  if (*explain_cmd) return explain(pin_dir, proto, src, sport, dst, dport, as_json);
  if (*drain_cmd || *undrain_cmd) {
    drain_req.drain = static_cast<bool>(*drain_cmd);
    drain_req.pin_dir = pin_dir;
    drain_req.wait = std::chrono::milliseconds(static_cast<long>(wait_s * 1000));
    auto state = xlb::cli::drain(drain_req);
    if (!state) return fail(state.error());
    std::cout << drain_req.backend << " in " << drain_req.vip << ": " << *state << "\n";
    return 0;
  }
  if (*node_drain_cmd || *node_undrain_cmd) {
    node_req.drain = static_cast<bool>(*node_drain_cmd);
    node_req.wait = std::chrono::milliseconds(static_cast<long>(wait_s * 1000));
    auto result = xlb::cli::node_drain(node_req);
    if (!result) return fail(result.error());
    std::cout << *result << "\n";
    return 0;
  }
  if (*prepare_cmd) {
    for (const auto& t : vip_texts) {
      auto a = xlb::IpAddr::parse(t);
      if (!a) return fail(a.error().context("--vip"));
      prep.vips.push_back(*a);
    }
    for (const auto& t : source_texts) {
      auto p = xlb::Prefix::parse(t);
      if (!p) return fail(p.error().context("--encap-source"));
      prep.encap_sources.push_back(*p);
    }
    prep.mode = parse_mode(mode);
    if (auto st = xlb::backend::prepare(prep); !st) return fail(st.error());
    std::cout << "backend ready on " << prep.interface << ": decap attached, " << prep.vips.size()
              << " VIP(s) on lo";
    if (prep.tunnel_mtu) {
      auto clamp = xlb::backend::mss_clamp_for(prep.tunnel_mtu, prep.tunnel_over_ipv6);
      std::cout << ", SYN-ACK MSS clamped to " << clamp.mss4 << " (IPv4) and " << clamp.mss6 << " (IPv6)";
    }
    std::cout << "\n";
    return 0;
  }
  if (*backend_show_cmd) {
    auto state = xlb::cli::backend_state(prep.pin_dir);
    if (!state) return fail(state.error());
    std::cout << (as_json ? state->dump(2) + "\n" : xlb::cli::render_backend_state(*state));
    return 0;
  }
  if (*reset_cmd) {
    if (auto st = xlb::backend::reset(reset_iface, prep.pin_dir, parse_mode(mode)); !st) return fail(st.error());
    return 0;
  }
  return 0;
}
