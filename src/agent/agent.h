// xlb-agent in static-config mode: one L4 node driven by a file.
// Loads (or takes over) the data plane, applies the file, then waits for
// signals: SIGHUP re-reads the file and applies only the difference; SIGTERM
// and SIGINT stop it, detaching or leaving the data plane as on_exit says.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "bpf/l4_program.h"
#include "common/result.h"
#include "config/admin_state.h"
#include "config/config.h"
#include "l4/tables.h"

namespace xlb::agent {

struct Options {
  std::string config_path;
  std::string ready_file;  // created once the data plane serves the config
};

class Agent {
 public:
  explicit Agent(Options options) : options_(std::move(options)) {}
  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  Status start();
  Status apply(const config::Config& cfg);
  void reload();
  void stop();

  Options options_;
  config::Config running_;
  std::unique_ptr<bpf::L4Program> program_;
  std::unique_ptr<l4::Tables> tables_;
  int ifindex_ = 0;
  bool attached_ = false;
};

// (VIP label, backend address): how overrides and health results name a backend.
using BackendRef = std::pair<std::string, IpAddr>;

// The services a config asks for, with each backend in the stricter of its
// configured state, the operator's override and its health (a failed check
// makes it down).
std::vector<l4::ServiceSpec> services_of(const config::Config& cfg, const config::AdminState& admin = {},
                                         const std::set<BackendRef>& unhealthy = {});
l4::NodeSpec node_of(const config::Config& cfg);

}  // namespace xlb::agent
