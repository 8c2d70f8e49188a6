// The REST API: routes Octavia v2 paths (under /v2/lbaas and /v2.0/lbaas)
// and xlb's own (/v2/xlb/revisions, /v2/xlb/rollback) to the Service,
// authenticates every request but GET / by its X-Auth-Token, and answers in
// Octavia's wire format: bodies wrapped in the resource key, faults as
// {"faultcode", "faultstring", "debuginfo"}. Every successful change carries
// its revision number in an X-Xlb-Revision header.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "controller/agents_api.h"
#include "controller/auth.h"
#include "controller/listener_stats.h"
#include "controller/quotas.h"
#include "controller/service.h"
#include "controller/subnets.h"
#include "controller/statuses.h"
#include "http/server.h"

namespace xlb::controller {

class Api {
 public:
  Api(Service& service, std::shared_ptr<const Tokens> tokens) : service_(service), tokens_(std::move(tokens)) {}

  http::Response handle(const http::Request& request);
  // handle(), but /v2/xlb/agents goes to the agents API, whose long polls
  // answer later.
  void handle_async(const http::Request& request, http::Reply reply);
  // Both optional: without them statuses count every change as applied and
  // /v2/xlb/agents is not served.
  void set_agents(AgentsApi* agents, const Statuses* statuses) {
    agents_ = agents;
    statuses_ = statuses;
  }
  // Serves /stats from what the agents report (without: all zero).
  void set_stats(const ListenerStats* stats) { stats_ = stats; }
  // Swaps the token table (a reload); requests already answered keep theirs.
  void set_tokens(std::shared_ptr<const Tokens> tokens) { tokens_ = std::move(tokens); }
  // Serves /quotas and enforces them on create (without: no quota routes).
  void set_quotas(QuotaStore* quotas) { quotas_ = quotas; }
  // Serves /v2.0/subnets and places VIPs in them.
  void set_subnets(std::shared_ptr<const Subnets> subnets) { subnets_ = std::move(subnets); }

  // Octavia's fault body with this status; also the server's reject answer.
  static http::Response fault(unsigned status, std::string_view message);
  // A JSON answer (invalid UTF-8 printed as U+FFFD).
  static http::Response json_answer(unsigned status, const json& body);

 private:
  // The caller's identity, or the 401 to answer.
  Outcome<const Identity*> authenticate(const http::Request& request) const;

  Service& service_;
  std::shared_ptr<const Tokens> tokens_;
  QuotaStore* quotas_ = nullptr;
  std::shared_ptr<const Subnets> subnets_ = std::make_shared<const Subnets>();
  AgentsApi* agents_ = nullptr;
  const Statuses* statuses_ = nullptr;
  const ListenerStats* stats_ = nullptr;
};

}  // namespace xlb::controller
