// xlb-agent: runs one L4 node from a static config file.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "agent/agent.h"

int main(int argc, char** argv) {
  CLI::App app{"xlb-agent: the xlb L4 node agent (static config mode)"};
  xlb::agent::Options options;
  std::string log_level = "info";
  app.add_option("-c,--config", options.config_path, "config file (YAML or JSON)")->required();
  app.add_option("--ready-file", options.ready_file, "file to create once the config is applied");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return xlb::agent::Agent(options).run();
}
