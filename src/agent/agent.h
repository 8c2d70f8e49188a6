// xlb-agent in static-config mode: one L4 node driven by a file.
// Loads (or takes over) the data plane, applies the file, then runs one event
// loop: SIGHUP re-reads the file and applies only the difference; health
// checks take failing backends out of their VIPs' rings and bring them back;
// operator overrides (`xlb l4 drain`) are picked up when their file changes;
// /metrics and /healthz are served on the same loop (node.metrics_listen);
// SIGTERM and SIGINT stop it, detaching or leaving the data plane as on_exit
// says. With a `bgp:` section it also drives the node's BIRD (node_routes.h):
// VIPs are announced while this node serves them.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/controller_link.h"
#include "agent/desired_state.h"
#include "agent/health_targets.h"
#include "agent/node_routes.h"
#include "bpf/l4_program.h"
#include "common/result.h"
#include "config/admin_state.h"
#include "config/config.h"
#include "l4/tables.h"
#include "metrics/http_server.h"

namespace xlb::agent {

// Controller mode: the VIPs come from xlb-controller (controller_link.h);
// the config file gives the node, dataplane and bgp sections only.
struct ControllerOptions {
  std::string url;  // empty: static-config mode
  std::string token_file;
  std::string name;
  std::string group;
  std::vector<std::string> capabilities{"TCP", "UDP", "IPv6"};
  std::string address;
  std::string state_file = "/var/lib/xlb/desired.json";  // the last applied desired state
  unsigned poll_wait_s = 30;
  unsigned report_interval_s = 10;  // status and counters at least this often
};

struct Options {
  std::string config_path;
  std::string ready_file;  // created once the data plane serves the config
  ControllerOptions controller;
};

class Agent {
 public:
  explicit Agent(Options options) : options_(std::move(options)) {}
  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  Status start();
  bool controller_mode() const { return !options_.controller.url.empty(); }
  // What the node should serve now: the file, or in controller mode the
  // file's node with the last desired state (saved_ at start).
  Result<config::Config> wanted_config() const;
  Status start_controller_link();
  void on_desired(const Desired& d);
  nlohmann::json health_report() const;
  nlohmann::json stats_report() const;
  // `cause` says why in the log: start, reload, health, operator.
  Status apply(const config::Config& cfg, const char* cause);
  void reload();
  void stop();
  void wait_for_signals();
  void watch_admin_state();
  // Re-reads the admin-state file if it changed; true when the overrides did.
  bool refresh_admin_state();
  void set_health_targets(const config::Config& cfg);
  void on_health_change(const health::Transition& t);
  Status start_metrics_server();
  // Announces what the node can serve now (nothing when drained, detached or
  // failed); no-op without BGP.
  void update_routes(const config::Config& cfg, const char* cause);
  // Every second: is our XDP program still the one attached?
  void watch_dataplane();

  Options options_;
  config::Config running_;
  config::AdminState admin_;
  std::string admin_stamp_;  // identity of the admin-state file last read
  std::set<BackendRef> unhealthy_;
  HealthTargets targets_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_{io_};
  boost::asio::steady_timer admin_timer_{io_};
  boost::asio::steady_timer dataplane_timer_{io_};
  std::unique_ptr<health::Checker> checker_;
  std::unique_ptr<bpf::L4Program> program_;
  std::unique_ptr<l4::Tables> tables_;
  std::unique_ptr<metrics::HttpServer> metrics_server_;  // on io_; null when metrics_listen is off
  std::unique_ptr<NodeRoutes> routes_;  // null without bgp:
  std::unique_ptr<ControllerLink> link_;  // controller mode only
  std::optional<Desired> desired_;        // controller mode: the one running_ serves
  int ifindex_ = 0;
  bool attached_ = false;
  bool dataplane_ok_ = true;  // false after a failed apply or when XDP was detached behind our back
};

// The services a config asks for, with each backend in the stricter of its
// configured state, the operator's override and its health (a failed check
// makes it down).
std::vector<l4::ServiceSpec> services_of(const config::Config& cfg, const config::AdminState& admin = {},
                                         const std::set<BackendRef>& unhealthy = {});
l4::NodeSpec node_of(const config::Config& cfg);

}  // namespace xlb::agent
