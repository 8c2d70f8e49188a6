// The `xlb` commands that drive xlb-controller's REST API:
//   xlb lb|listener|pool|member|healthmonitor create|list|show|set|delete
//   xlb revision list|show|diff|rollback
//   xlb quota list|show|set|delete
//   xlb agent list
// Each group takes --endpoint, --token, --cli-config, --json and --timeout
// (before or after the verb). Tables for people, the API's JSON with --json.
#pragma once

#include <CLI/CLI.hpp>
#include <deque>
#include <functional>
#include <optional>

#include "cli/api_config.h"

namespace xlb::cli {

class ApiCommands {
 public:
  // Registers the groups on `app`.
  explicit ApiCommands(CLI::App& app);

  // After parsing: runs the API command given and returns its exit code, or
  // nothing when the command line chose another command.
  std::optional<int> run();

  struct Options {
    ConnectionFlags connection;
    bool json = false;
    double timeout_s = 30;
  };

 private:
  CLI::App* group(CLI::App& app, const std::string& name, const std::string& help);
  CLI::App* verb(CLI::App* group, const std::string& name, const std::string& help, std::function<int()> action);
  void add_resource(CLI::App& app, const struct ResourceSpec& spec);
  void add_revisions(CLI::App& app);
  void add_quotas(CLI::App& app);
  void add_agents(CLI::App& app);

  Options options_;
  // Values the verbs' flags fill; a deque keeps their addresses stable.
  std::deque<std::map<std::string, std::string>> values_;
  std::deque<std::string> strings_;
  std::deque<bool> flags_;
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions_;
};

}  // namespace xlb::cli
