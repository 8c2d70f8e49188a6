#include "agent/agent.h"

#include <net/if.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include <boost/asio/post.hpp>

#include "bpf/xdp.h"
#include "common/logging.h"
#include "common/system.h"
#include "l4/map_set.h"
#include "l4/service_diff.h"
#include "agent/stats_report.h"
#include "l4/snapshot.h"
#include "metrics/collector.h"

namespace xlb::agent {

std::vector<l4::ServiceSpec> services_of(const config::Config& cfg, const config::AdminState& admin,
                                         const std::set<BackendRef>& unhealthy) {
  std::vector<l4::ServiceSpec> out;
  for (const auto& vip : cfg.vips) {
    l4::ServiceSpec s;
    s.key = l4::ServiceKey{vip.address, vip.port, config::ip_protocol(vip.protocol)};
    s.flags = (vip.hash == config::HashMode::SourceOnly ? XLB_VIP_HASH_SRC_ONLY : 0) |
              (vip.hash == config::HashMode::Addresses ? XLB_VIP_HASH_ADDRESSES : 0) |
              (vip.stateless ? XLB_VIP_STATELESS : 0);
    s.rate_limit = l4::RateLimit{vip.rate_limit.rate, vip.rate_limit.burst};
    s.allowed_sources = vip.allowed_cidrs;
    const std::string label = config::vip_label(vip);
    bool primary_serves = false;
    for (const auto& b : vip.backends) {
      config::BackendState state = b.state;
      if (auto o = admin.backends.find({label, b.address}); o != admin.backends.end())
        state = config::stricter(state, o->second);
      if (unhealthy.count({label, b.address})) state = config::stricter(state, config::BackendState::Down);
      if (!b.backup && state == config::BackendState::Active && b.weight > 0) primary_serves = true;
      s.backends.push_back(l4::BackendSpec{b.address, b.weight, static_cast<l4::BackendState>(state)});
    }
    // Backups stand by while another backend serves: out of the ring, as if
    // draining, so that flows they took during an outage finish there when
    // the others come back, while new flows go to the others again.
    if (primary_serves)
      for (size_t i = 0; i < vip.backends.size(); ++i)
        if (vip.backends[i].backup && s.backends[i].state == l4::BackendState::Active)
          s.backends[i].state = l4::BackendState::Draining;
    out.push_back(std::move(s));
  }
  return out;
}

l4::NodeSpec node_of(const config::Config& cfg) {
  l4::NodeSpec n{cfg.node.encap_source_v4, cfg.node.encap_source_v6, cfg.node.gateway_mac};
  n.stateless_above = cfg.node.stateless_above;
  n.stateless_below = cfg.node.stateless_below;
  n.backend_mtu = cfg.node.backend_mtu;
  n.icmp_rate = cfg.node.icmp_rate;
  n.icmp_burst = cfg.node.icmp_burst;
  n.answer_echo = cfg.node.answer_echo;
  return n;
}

namespace {

xlb_params params_of(const config::Config& cfg) {
  xlb_params p = bpf::default_params();
  p.ring_size = cfg.dataplane.ring_size;
  p.hash_seed = cfg.dataplane.hash_seed;
  p.max_vips = cfg.dataplane.max_vips;
  p.max_backends = cfg.dataplane.max_backends;
  p.outer_ttl = cfg.node.outer_ttl;
  p.session_cache_size = cfg.dataplane.session_cache_size;
  p.udp_idle_timeout_s = cfg.dataplane.udp_idle_timeout;
  return p;
}

bpf::XdpMode xdp_mode_of(const config::Config& cfg) {
  return cfg.node.xdp_mode == config::XdpMode::Native ? bpf::XdpMode::Native : bpf::XdpMode::Generic;
}

// Maps left pinned by an earlier agent must have been built with the same
// load-time parameters, or flows would silently change backends.
Status check_pinned_params(const std::string& pin_dir, const xlb_params& wanted) {
  auto pinned = bpf::read_pinned_params(pin_dir);
  if (!pinned) return {};  // nothing pinned yet: a fresh start
  std::string diff;
  auto cmp = [&](const char* name, uint64_t have, uint64_t want) {
    if (have != want) diff += std::string(diff.empty() ? "" : ", ") + name + " " + std::to_string(have) + " -> " + std::to_string(want);
  };
  cmp("ring_size", pinned->ring_size, wanted.ring_size);
  cmp("hash_seed", pinned->hash_seed, wanted.hash_seed);
  cmp("max_vips", pinned->max_vips, wanted.max_vips);
  cmp("max_backends", pinned->max_backends, wanted.max_backends);
  cmp("session_cache_size", pinned->session_cache_size, wanted.session_cache_size);
  if (diff.empty()) return {};
  return Error{"the maps pinned in " + pin_dir + " were built with other load-time settings (" + diff +
               "). Stop the running agent with on_exit: detach (which removes the pins), or remove " + pin_dir +
               ", to change them"};
}

void warn_if_no_forwarding(const config::Config& cfg) {
  if (cfg.node.gateway_mac) return;
  for (const char* family : {"ipv4", "ipv6"}) {
    const bool used = std::string(family) == "ipv4" ? cfg.node.encap_source_v4.has_value()
                                                    : cfg.node.encap_source_v6.has_value();
    if (!used) continue;
    auto v = read_sysctl(std::string("net.") + family + ".conf." + cfg.node.interface + ".forwarding");
    if (v && *v == "0")
      spdlog::warn("{} forwarding is off on {}: the kernel FIB lookup for the next hop will fail and no gateway_mac "
                   "is set, so {} packets to backends will be dropped (counter drop_no_route)",
                   family, cfg.node.interface, family);
  }
}

// Interfaces the FIB may name as egress besides the ingress one: every
// interface of the namespace but lo goes into the devmap, so XDP_REDIRECT
// works on nodes whose backends sit behind another NIC. The kernel accepts
// any interface here; one whose driver cannot send XDP frames drops them
// after the fact (they count as redirect). Interfaces that appear later are
// not added until the agent restarts.
void fill_tx_ports(const bpf::L4Program& program) {
  struct if_nameindex* all = ::if_nameindex();
  for (struct if_nameindex* i = all; all && i->if_index != 0; ++i) {
    if (std::string(i->if_name) == "lo") continue;
    uint32_t ifindex = i->if_index;
    if (auto st = program.tx_ports().update(&ifindex, &ifindex); !st)
      spdlog::warn("{} cannot be an XDP_REDIRECT target: {}", i->if_name, st.error().message);
  }
  if (all) ::if_freenameindex(all);
}

// Changes whenever the file is replaced or rewritten; "absent" when it is not there.
std::string file_stamp(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return errno == ENOENT ? "absent" : "unreadable";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec);
}

constexpr auto kAdminStatePoll = std::chrono::milliseconds(500);

// One event per changed service and one per difference in it, so that a
// log search for a service or a backend finds every change to it.
void log_changes(const std::vector<l4::ServiceChange>& changes, const char* cause) {
  for (const auto& c : changes) {
    std::string event = std::string("service_") + l4::change_kind_name(c.kind);
    if (c.details.empty()) spdlog::info("{}", event_line(event, {{"service", c.key.str()}, {"cause", cause}}));
    for (const auto& d : c.details)
      spdlog::info("{}", event_line(event, {{"service", c.key.str()}, {"change", d}, {"cause", cause}}));
  }
}

}  // namespace

Status Agent::apply(const config::Config& cfg, const char* cause) {
  l4::NodeSpec node = node_of(cfg);
  auto mac = interface_mac(cfg.node.interface);
  if (!mac) return mac.error().context("node.interface");
  node.node_mac = *mac;
  if (node.backend_mtu == 0) {
    // The backends are usually reached through the interface the VIPs arrive on.
    auto mtu = interface_mtu(cfg.node.interface);
    if (!mtu) return mtu.error().context("node.interface");
    node.backend_mtu = *mtu;
  }
  if (auto st = tables_->set_node(node); !st) return st.error().context("node settings");
  std::vector<l4::ServiceSpec> before;
  for (const auto& [key, svc] : tables_->services()) before.push_back(svc.spec);
  auto wanted = services_of(cfg, admin_, unhealthy_);
  auto summary = tables_->apply(wanted);
  if (!summary) {
    dataplane_ok_ = false;
    update_routes(cfg, "dataplane_failed");
    return summary.error();
  }
  dataplane_ok_ = true;
  update_routes(cfg, cause);
  log_changes(l4::diff_services(before, wanted), cause);
  spdlog::info("{}", event_line("applied", {{"cause", cause},
                                            {"services", std::to_string(wanted.size())},
                                            {"summary", summary->str()}}));
  return {};
}

// Binds before the data plane is touched: a port in use fails the start
// cleanly, with nothing attached.
Status Agent::start_metrics_server() {
  const auto& listen = running_.node.metrics_listen;
  if (!listen) {
    spdlog::info("metrics: off (node.metrics_listen)");
    return {};
  }
  auto scrape = [this]() -> Result<std::string> {
    if (!program_ || !tables_) return Error{"the data plane is not loaded yet"};
    auto text = metrics::collect(l4::maps_of(*program_), tables_->services());
    if (text && routes_) *text += routes_->metrics(admin_.node_drained);
    return text;
  };
  auto server = metrics::HttpServer::start(io_, *listen, scrape);
  if (!server) return server.error().context("node.metrics_listen");
  metrics_server_ = std::move(*server);
  spdlog::info("serving /metrics and /healthz on http://{}/", metrics_server_->local_address().str());
  return {};
}

void Agent::update_routes(const config::Config& cfg, const char* cause) {
  if (!routes_) return;
  const bool serving = attached_ && dataplane_ok_ && !admin_.node_drained;
  if (!serving) {
    routes_->announce({}, admin_.node_drained ? "node_drained" : cause);
    return;
  }
  // The data plane takes a backend as up until its first probe says otherwise
  // (a restart must not empty a pool); an announcement waits for that probe,
  // or a VIP whose backends are all dead would be announced for a moment.
  std::set<BackendRef> not_yet_healthy = unhealthy_;
  for (const auto& [target, refs] : targets_) {
    auto status = checker_->status(target);
    if (!status || status->probes == 0) not_yet_healthy.insert(refs.begin(), refs.end());
  }
  routes_->announce(bgp::servable_vips(services_of(cfg, admin_, not_yet_healthy)), cause);
}

void Agent::watch_dataplane() {
  dataplane_timer_.expires_after(std::chrono::seconds(1));
  dataplane_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopping
    auto is_ours = bpf::xdp_attached_is(ifindex_, bpf::L4Program::kProgramName);
    const bool ours = is_ours && *is_ours;
    if (ours != attached_) {
      attached_ = ours;
      if (!ours)
        spdlog::error("{}", event_line("xdp_detached", {{"interface", running_.node.interface},
                                                        {"action", "withdraw every VIP route"}}));
      update_routes(running_, ours ? "xdp_attached" : "xdp_detached");
    }
    // Also picks up backends whose first health probe has come back up since.
    update_routes(running_, "health");
    watch_dataplane();
  });
}

Result<config::Config> Agent::wanted_config() const {
  if (!controller_mode()) return config::load_file(options_.config_path);
  if (!desired_) return local_config(options_.config_path);
  return config_with(options_.config_path, *desired_);
}

Status Agent::start() {
  if (controller_mode()) {
    // The last applied state first: a restart serves what was served,
    // whether or not the controller answers.
    auto saved = load_desired(options_.controller.state_file);
    if (!saved)
      spdlog::error("{}; starting without VIPs until the controller answers", saved.error().message);
    else if (*saved)
      desired_ = std::move(**saved);
    if (auto local = local_config(options_.config_path); !local) return local.error();
  }
  auto cfg = wanted_config();
  if (!cfg && desired_) {
    spdlog::error("the saved desired state (revision {}) no longer fits {}: {}; starting without VIPs",
                  desired_->revision, options_.config_path, cfg.error().message);
    desired_.reset();
    cfg = wanted_config();
  }
  if (!cfg) return cfg.error();
  if (desired_)
    spdlog::info("{}", event_line("desired_restored", {{"revision", std::to_string(desired_->revision)},
                                                       {"file", options_.controller.state_file}}));
  running_ = *cfg;
  const auto& node = running_.node;
  // First, so that the watchdog holds nothing of the data plane's and a
  // second agent for the same BIRD is refused before it touches anything.
  if (running_.bgp) {
    auto routes = NodeRoutes::start(io_, *running_.bgp);
    if (!routes) return routes.error().context("bgp");
    routes_ = std::move(*routes);
  }
  // `xlb l4 drain` writes next to the file; make sure it has somewhere to write.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(node.admin_state_file).parent_path(), ec);
  if (ec) spdlog::warn("cannot create the directory of {}: {}", node.admin_state_file, ec.message());
  refresh_admin_state();
  // Probing starts with the event loop (run()), once the data plane is up:
  // a slow start-up must not count against the backends.
  checker_ = std::make_unique<health::Checker>(io_, [this](const health::Transition& t) { on_health_change(t); });
  if (auto st = start_metrics_server(); !st) return st;

  auto ifindex = bpf::interface_index(node.interface);
  if (!ifindex) return ifindex.error().context("node.interface");
  ifindex_ = *ifindex;
  xlb_params params = params_of(running_);
  if (auto st = check_pinned_params(node.pin_dir, params); !st) return st;

  auto prog = bpf::L4Program::load({params, node.pin_dir, bpf::PinMode::All});
  if (!prog) return prog.error();
  program_ = std::move(*prog);
  auto tables = l4::Tables::recover(l4::maps_of(*program_));
  if (!tables) return tables.error().context("reading the pinned maps");
  tables_ = std::make_unique<l4::Tables>(std::move(*tables));
  if (!tables_->services().empty())
    spdlog::info("took over {} services from pinned maps in {}", tables_->services().size(), node.pin_dir);

  // Fill the maps first, then attach: the first packet already sees the config.
  if (auto st = apply(running_, "start"); !st) return st;
  warn_if_no_forwarding(running_);
  fill_tx_ports(*program_);
  if (auto st = bpf::xdp_attach(ifindex_, program_->prog_fd(), xdp_mode_of(running_), bpf::L4Program::kProgramName); !st)
    return st;
  attached_ = true;
  spdlog::info("XDP program attached to {} ({} mode), maps pinned in {}", node.interface,
               config::xdp_mode_name(node.xdp_mode), node.pin_dir);
  return {};
}

void Agent::reload() {
  auto cfg = wanted_config();
  if (!cfg) {
    spdlog::error("reload rejected, still serving the previous config:\n{}", cfg.error().message);
    return;
  }
  auto blockers = config::restart_required_changes(running_, *cfg);
  if (!blockers.empty()) {
    std::string list;
    for (const auto& x : blockers) list += "\n  " + x;
    spdlog::error("reload rejected: these changes need an agent restart:{}", list);
    return;
  }
  set_health_targets(*cfg);
  if (routes_ && cfg->bgp && *cfg->bgp != *running_.bgp) routes_->reconfigure(*cfg->bgp);
  if (auto st = apply(*cfg, "reload"); !st) {
    spdlog::error("reload failed: {}. Services changed before the failure stay changed; the next reload "
                  "rewrites every ring",
                  st.error().message);
    set_health_targets(running_);
    return;
  }
  running_ = *cfg;
}

void Agent::set_health_targets(const config::Config& cfg) {
  targets_ = health_targets_of(cfg);
  std::vector<health::Target> list;
  for (const auto& [target, refs] : targets_) list.push_back(target);
  checker_->set_targets(std::move(list));
  // Targets that stay keep their verdict; new ones start up until probed.
  unhealthy_.clear();
  for (const auto& [target, refs] : targets_)
    if (checker_->health(target) == health::Health::Down) unhealthy_.insert(refs.begin(), refs.end());
}

void Agent::on_health_change(const health::Transition& t) {
  auto it = targets_.find(t.target);
  if (it == targets_.end()) return;
  const bool down = t.health == health::Health::Down;
  for (const auto& ref : it->second) {
    if (down)
      unhealthy_.insert(ref);
    else
      unhealthy_.erase(ref);
    auto line = event_line(down ? "backend_down" : "backend_up",
                           {{"service", ref.first},
                            {"backend", ref.second.str()},
                            {"reason", t.reason},
                            {"probe", t.target.port ? t.target.address.str() + ":" + std::to_string(t.target.port)
                                                    : t.target.address.str()}});
    if (down)
      spdlog::warn("{}", line);
    else
      spdlog::info("{}", line);
  }
  if (auto st = apply(running_, "health"); !st) spdlog::error("applying a health change failed: {}", st.error().message);
  if (link_) link_->report();
}

Status Agent::start_controller_link() {
  const auto& c = options_.controller;
  auto url = http::Url::parse(c.url);
  if (!url) return url.error().context("--controller");
  std::ifstream in(c.token_file);
  if (!in) return errno_error("cannot read the token file " + c.token_file, errno);
  std::string token;
  in >> token;  // the first word: a trailing newline is not part of it
  if (token.empty()) return Error{"the token file " + c.token_file + " is empty"};
  LinkSettings settings{*url, token, c.name, c.group, c.capabilities, "xlb-agent 0.1.0", c.address,
                        std::chrono::seconds(c.poll_wait_s), std::chrono::seconds(c.report_interval_s)};
  std::optional<int64_t> applied;
  if (desired_) applied = desired_->revision;
  link_ = std::make_unique<ControllerLink>(
      io_, std::move(settings), applied, [this](const Desired& d) { on_desired(d); },
      [this] { return health_report(); }, [this] { return stats_report(); });
  link_->start();
  return {};
}

void Agent::on_desired(const Desired& d) {
  auto cfg = config_with(options_.config_path, d);
  if (!cfg) {
    spdlog::error("{}", event_line("desired_rejected", {{"revision", std::to_string(d.revision)},
                                                        {"error", cfg.error().message}}));
    link_->failed(d.revision, cfg.error().message);
    return;
  }
  set_health_targets(*cfg);
  if (auto st = apply(*cfg, "controller"); !st) {
    spdlog::error("{}", event_line("desired_failed", {{"revision", std::to_string(d.revision)},
                                                      {"error", st.error().message}}));
    set_health_targets(running_);
    link_->failed(d.revision, st.error().message);
    return;
  }
  running_ = std::move(*cfg);
  desired_ = d;
  if (auto st = save_desired(options_.controller.state_file, d); !st)
    spdlog::error("cannot save the desired state: {}; a restart would start from an older one", st.error().message);
  spdlog::info("{}", event_line("desired_applied", {{"revision", std::to_string(d.revision)},
                                                    {"vips", std::to_string(running_.vips.size())}}));
  link_->applied(d.revision);
}

nlohmann::json Agent::health_report() const {
  std::map<std::string, std::string> name_of;  // VIP label -> listener id
  for (const auto& v : running_.vips) name_of[config::vip_label(v)] = v.name;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [target, refs] : targets_) {
    auto status = checker_->status(target);
    for (const auto& [label, address] : refs) {
      const char* verdict = unhealthy_.count({label, address}) ? "down"
                            : (!status || status->probes == 0) ? "unknown"
                                                               : "up";
      out.push_back({{"listener_id", name_of[label]}, {"address", address.str()}, {"status", verdict}});
    }
  }
  return out;
}

nlohmann::json Agent::stats_report() const {
  if (!program_ || !tables_) return nlohmann::json::array();
  auto stats = l4::read_vip_stats(l4::maps_of(*program_), tables_->services());
  if (!stats) {
    // The report goes without counters; the controller keeps the last ones.
    spdlog::warn("cannot read the VIP counters for the controller: {}", stats.error().message);
    return nlohmann::json::array();
  }
  return agent::stats_report(running_, *stats);
}

bool Agent::refresh_admin_state() {
  const std::string& path = running_.node.admin_state_file;
  std::string stamp = file_stamp(path);
  if (stamp == admin_stamp_) return false;
  admin_stamp_ = stamp;
  auto loaded = config::load_admin_state(path);
  if (!loaded) {
    spdlog::error("{}; keeping the {} overrides in force", loaded.error().message, admin_.backends.size());
    return false;
  }
  if (*loaded == admin_) return false;
  for (const auto& [ref, state] : loaded->backends)
    spdlog::info("{}", event_line("operator_override", {{"service", ref.first},
                                                        {"backend", ref.second.str()},
                                                        {"state", config::backend_state_name(state)},
                                                        {"file", path}}));
  admin_ = std::move(*loaded);
  return true;
}

void Agent::watch_admin_state() {
  admin_timer_.expires_after(kAdminStatePoll);
  admin_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopping
    if (refresh_admin_state()) {
      if (auto st = apply(running_, "operator"); !st) spdlog::error("applying operator overrides failed: {}", st.error().message);
    }
    watch_admin_state();
  });
}

void Agent::wait_for_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading {}", options_.config_path);
      reload();
      wait_for_signals();
      return;
    }
    spdlog::info("signal {}: stopping", sig);
    if (link_) link_->stop();
    checker_->stop();
    admin_timer_.cancel();
    dataplane_timer_.cancel();
    if (metrics_server_) metrics_server_->stop();
    stop();
    io_.stop();
  });
}

void Agent::stop() {
  // Routes first: the router must stop sending before the program goes.
  if (routes_) {
    routes_->announce({}, "agent_stopping");
    routes_->stop();
  }
  if (!program_ || !attached_) return;
  if (running_.node.on_exit == config::OnExit::Keep) {
    spdlog::info("on_exit: keep: XDP stays attached to {} and maps stay pinned in {}", running_.node.interface,
                 running_.node.pin_dir);
    return;
  }
  if (auto st = bpf::xdp_detach(ifindex_, xdp_mode_of(running_)); !st)
    spdlog::error("{}", st.error().message);
  program_->unpin_all();
  ::rmdir(running_.node.pin_dir.c_str());  // ours, and empty now; fine if it is not
  spdlog::info("XDP detached from {}, pins removed", running_.node.interface);
}

int Agent::run() {
  // Registered before start(), so a signal during start-up is not lost.
  signals_.add(SIGHUP);
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  if (auto st = start(); !st) {
    // Whatever was attached before us (an earlier agent's program, left
    // with on_exit: keep) goes on forwarding: we never attached.
    spdlog::error("{}", st.error().message);
    return 1;
  }
  if (controller_mode()) {
    if (auto st = start_controller_link(); !st) {
      spdlog::error("{}", st.error().message);
      stop();
      return 1;
    }
  }
  if (!options_.ready_file.empty()) std::ofstream(options_.ready_file) << "ready\n";
  wait_for_signals();
  watch_admin_state();
  watch_dataplane();
  boost::asio::post(io_, [this] {
    set_health_targets(running_);
    // VIPs without health checks are announced now; the others once their
    // backends' first probes have answered (watch_dataplane).
    update_routes(running_, "start");
  });
  io_.run();
  return 0;
}

}  // namespace xlb::agent
