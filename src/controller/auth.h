// Who is calling: X-Auth-Token values mapped to a name, a project and roles,
// read from a file the operator controls (YAML, or JSON, which is YAML):
//
//   tokens:
//     - token: 4f1c9a0e2b7d4c39a8e1b2c3d4e5f607   # at least 16 characters
//       name: alice                               # recorded in revisions
//       project_id: 5a2e...                       # what alice owns
//     - token: ...
//       name: ops
//       project_id: operators
//       roles: [admin]                            # sees and changes everything
//     - token: ...
//       name: l4-a
//       project_id: operators
//       roles: [agent]                            # the L4 node named l4-a: /v2/xlb/agents/l4-a only
//
// A project sees only its own resources; admin sees all.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace xlb::controller {

struct Identity {
  std::string name;
  std::string project_id;
  bool admin = false;
  bool agent = false;  // an L4 node's agent: registers, polls, reports; nothing else
};

class Tokens {
 public:
  // Every problem of the file at once, each with its line.
  static Result<Tokens> parse(std::string_view text, const std::string& source_name);
  static Result<Tokens> load(const std::string& path);

  // The identity of a token, or null for an unknown one.
  const Identity* find(std::string_view token) const;
  size_t size() const { return by_token_.size(); }

 private:
  std::unordered_map<std::string, Identity> by_token_;
};

}  // namespace xlb::controller
