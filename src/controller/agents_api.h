// /v2/xlb/agents: L4 node agents register, long-poll their node's desired
// state and report what they applied; operators list them.
//
//   GET    /v2/xlb/agents                          admin: every agent
//   GET    /v2/xlb/agents/{name}                   admin or agent
//   PUT    /v2/xlb/agents/{name}                   agent: register {"agent": {...}}
//   DELETE /v2/xlb/agents/{name}                   admin: forget a retired node
//   GET    /v2/xlb/agents/{name}/desired?after=N&wait=S
//                                                  agent: the node's state (node_state.h)
//                                                  once the revision is not N, or 304
//                                                  after S seconds (default 30, at most 300)
//   PUT    /v2/xlb/agents/{name}/status            agent: {"status": {"applied_revision", ...,
//                                                  "stats": [...]}}
//
// A long poll holds its connection without blocking the event loop: the
// answer is sent from a timer or from the commit that made a new revision.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "controller/agents.h"
#include "controller/auth.h"
#include "controller/listener_stats.h"
#include "controller/service.h"
#include "http/server.h"

namespace xlb::controller {

class AgentsApi {
 public:
  AgentsApi(boost::asio::io_context& io, Service& service, Agents& agents, ListenerStats& stats)
      : io_(io), service_(service), agents_(agents), stats_(stats) {}
  ~AgentsApi() { stop(); }

  // `seg` is the path after /v2/xlb ("agents", name, ...).
  void handle(const http::Request& req, const Identity& who, const std::vector<std::string>& seg, http::Reply reply);
  // Answers the polls waiting for a revision other than this one.
  void revision_committed(int64_t revision);
  // Answers every waiting poll with 304 (shutdown).
  void stop();

 private:
  struct Waiter;
  void poll(const std::string& name, const http::Request& req, http::Reply reply);
  http::Response desired(AgentInfo& agent) const;
  void finish(const std::shared_ptr<Waiter>& w, http::Response r);
  // Polls of this agent answer now (it changed group, or it was forgotten).
  void wake(const std::string& name);

  boost::asio::io_context& io_;
  Service& service_;
  Agents& agents_;
  ListenerStats& stats_;
  std::list<std::shared_ptr<Waiter>> waiting_;
};

}  // namespace xlb::controller
