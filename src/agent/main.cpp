// xlb-agent: runs one L4 node from a static config file.
#include <CLI/CLI.hpp>

#include "agent/agent.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"xlb-agent: the xlb L4 node agent (static config mode)"};
  xlb::agent::Options options;
  std::string log_level = "info";
  app.add_option("-c,--config", options.config_path, "config file (YAML or JSON)")->required();
  app.add_option("--ready-file", options.ready_file, "file to create once the config is applied");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text (a line per record, events as key=value) or json (an object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI11_PARSE(app, argc, argv);
  xlb::setup_logging(log_level, log_format == "json" ? xlb::LogFormat::Json : xlb::LogFormat::Text);
  return xlb::agent::Agent(options).run();
}
