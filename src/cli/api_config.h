// Where the API commands find the controller and their token: a flag, else
// the environment (XLB_ENDPOINT, XLB_TOKEN), else the CLI config file
// (--cli-config, else $XDG_CONFIG_HOME/xlb/cli.yaml or ~/.config/xlb/cli.yaml),
// else the default endpoint http://127.0.0.1:9876 and no token.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace xlb::cli {

inline constexpr const char* kDefaultEndpoint = "http://127.0.0.1:9876";

struct ConnectionFlags {
  std::optional<std::string> endpoint;
  std::optional<std::string> token;
  std::optional<std::string> config_file;  // --cli-config: must exist
};

struct Connection {
  std::string endpoint;
  std::string token;
  std::string endpoint_from;  // "--endpoint", "XLB_ENDPOINT", the config file's path, or "default"
  std::string token_from;     // likewise; "none" without a token
};

// `getenv` is the environment (std::getenv outside tests). A config file with
// a mistake is an error naming file:line; a missing default file is not.
Result<Connection> resolve_connection(const ConnectionFlags& flags,
                                      const std::function<const char*(const char*)>& getenv);

// The config file used when --cli-config is not given ("" without HOME).
std::string default_config_path(const std::function<const char*(const char*)>& getenv);

}  // namespace xlb::cli
