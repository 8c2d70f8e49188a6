// xlb-agent: runs one L4 node from a static config file.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "agent/agent.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"xlb-agent: the xlb L4 node agent (static config, or controller mode with --controller)"};
  xlb::agent::Options options;
  std::string log_level = "info";
  app.add_option("-c,--config", options.config_path, "config file (YAML or JSON)")->required();
  app.add_option("--ready-file", options.ready_file, "file to create once the config is applied");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  auto& c = options.controller;
  auto* controller = app.add_option("--controller", c.url, "xlb-controller URL (http://host:9876): controller mode");
  app.add_option("--token-file", c.token_file, "file holding this agent's X-Auth-Token (role agent)")->needs(controller);
  app.add_option("--name", c.name, "this node's name at the controller")->needs(controller);
  app.add_option("--group", c.group, "the L4 node group this node serves")->needs(controller);
  app.add_option("--capabilities", c.capabilities, "what this node can serve: TCP UDP IPv6")
      ->check(CLI::IsMember({"TCP", "UDP", "IPv6"}))
      ->needs(controller);
  app.add_option("--address", c.address, "the address the controller lists for this node");
  app.add_option("--state-file", c.state_file, "where the last applied desired state is kept")->capture_default_str();
  app.add_option("--poll-wait", c.poll_wait_s, "seconds a long poll waits")->check(CLI::Range(1u, 300u))->capture_default_str();
  app.add_option("--report-interval", c.report_interval_s, "seconds between status and counter reports")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str();
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text (a line per record, events as key=value) or json (an object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI11_PARSE(app, argc, argv);
  if (!c.url.empty() && (c.token_file.empty() || c.name.empty() || c.group.empty())) {
    std::fprintf(stderr, "--controller needs --token-file, --name and --group\n");
    return 2;
  }
  xlb::setup_logging(log_level, log_format == "json" ? xlb::LogFormat::Json : xlb::LogFormat::Text);
  return xlb::agent::Agent(options).run();
}
