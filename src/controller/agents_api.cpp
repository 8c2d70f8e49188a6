#include "controller/agents_api.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include <boost/asio/steady_timer.hpp>

#include "controller/api.h"
#include "controller/listing.h"
#include "controller/node_state.h"

namespace xlb::controller {

struct AgentsApi::Waiter {
  std::string name;
  int64_t after = 0;
  http::Reply reply;
  std::unique_ptr<boost::asio::steady_timer> timer;
  bool done = false;
};

namespace {

constexpr int64_t kDefaultWaitSeconds = 30;
constexpr int64_t kMaxWaitSeconds = 300;

http::Response from(const Fault& f) { return Api::fault(f.status, f.message); }

std::optional<int64_t> whole_number(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// The inner object of {"<key>": {...}}.
Outcome<json> inner(const std::string& text, const char* key) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded()) return bad_request("Malformed JSON in the request body");
  if (!body.is_object() || body.size() != 1 || !body.contains(key) || !body.at(key).is_object())
    return bad_request(std::string("The request body must be a JSON object {\"") + key + "\": {...}}");
  return body.at(key);
}

http::Response not_allowed(const std::string& method, const char* allowed) {
  http::Response r = Api::fault(405, "Method " + method + " is not allowed here (allowed: " + allowed + ")");
  r.headers.emplace_back("Allow", allowed);
  return r;
}

}  // namespace

void AgentsApi::handle(const http::Request& req, const Identity& who, const std::vector<std::string>& seg,
                       http::Reply reply) {
  if (!who.admin && !who.agent) return reply(Api::fault(403, "The agents API needs an agent or an admin token"));
  const std::string& method = req.method;
  if (seg.size() == 1) {
    if (method != "GET") return reply(not_allowed(method, "GET"));
    if (!who.admin) return reply(Api::fault(403, "Listing agents needs the admin role"));
    json list = json::array();
    for (const auto& [name, a] : agents_.all()) list.push_back(agents_.render(a));
    return reply(Api::json_answer(200, {{"agents", std::move(list)}}));
  }
  const std::string& name = seg[1];
  // An agent token speaks for one node, the one it is named after: a stolen or
  // mistyped token cannot register, poll or report as another node. (A name
  // that is not valid at all gets its own error below.)
  if (who.agent && name != who.name && is_agent_name(name))
    return reply(Api::fault(403, "This token belongs to agent " + who.name + "; it cannot act as agent " + name));
  if (seg.size() == 2) {
    if (method == "GET") {
      AgentInfo* a = agents_.find(name);
      if (!a) return reply(Api::fault(404, "Agent " + name + " is not registered"));
      return reply(Api::json_answer(200, {{"agent", agents_.render(*a)}}));
    }
    if (method == "DELETE") {
      if (!who.admin) return reply(Api::fault(403, "Forgetting an agent needs the admin role"));
      if (auto done = agents_.forget(name); !done) return reply(from(done.fault()));
      wake(name);
      return reply(http::Response{204, "", "application/json", {}});
    }
    if (method != "PUT") return reply(not_allowed(method, "GET, PUT, DELETE"));
    if (!who.agent) return reply(Api::fault(403, "Registering needs an agent token"));
    auto body = inner(req.body, "agent");
    if (!body) return reply(from(body.fault()));
    const AgentInfo* before = agents_.find(name);
    const std::string old_group = before ? before->group : "";
    auto enrolled = agents_.enroll(name, *body, req.peer);
    if (!enrolled) return reply(from(enrolled.fault()));
    json shown = agents_.render(**enrolled);
    if (old_group != (*enrolled)->group) wake(name);
    // Load balancers made before any agent could serve them find a group now.
    auto placed = service_.place_unplaced(Identity{"xlb-controller", "operators", true, false});
    if (!placed) spdlog::error("placing load balancers after {} registered: {}", name, placed.fault().message);
    return reply(Api::json_answer(200, {{"agent", std::move(shown)}}));
  }
  if (seg.size() == 3 && seg[2] == "desired") {
    if (method != "GET") return reply(not_allowed(method, "GET"));
    return poll(name, req, std::move(reply));
  }
  if (seg.size() == 3 && seg[2] == "status") {
    if (method != "PUT") return reply(not_allowed(method, "PUT"));
    if (!who.agent) return reply(Api::fault(403, "Reporting needs an agent token"));
    auto body = inner(req.body, "status");
    if (!body) return reply(from(body.fault()));
    // Checked before anything is taken: a report is taken whole or not at all.
    std::optional<Reported> counters;
    if (body->contains("stats")) {
      auto parsed = ListenerStats::parse(body->at("stats"));
      if (!parsed) return reply(from(parsed.fault()));
      counters = std::move(*parsed);
    }
    if (auto done = agents_.report(name, *body); !done) return reply(from(done.fault()));
    if (counters) {
      // Only listeners that exist: a node may still count one deleted a
      // moment ago, and nothing else may grow the table.
      std::erase_if(*counters, [&](const auto& entry) { return !service_.state().find(Kind::listener, entry.first); });
      if (auto st = stats_.record(name, *counters); !st)
        return reply(Api::fault(500, "The stats could not be stored: " + st.error().message));
    }
    return reply(http::Response{204, "", "application/json", {}});
  }
  return reply(Api::fault(404, "No such resource: " + req.path));
}

http::Response AgentsApi::desired(AgentInfo& agent) const {
  return Api::json_answer(200, {{"desired", node_state(service_.state(), agent.group, service_.revision())}});
}

void AgentsApi::poll(const std::string& name, const http::Request& req, http::Reply reply) {
  AgentInfo* agent = agents_.find(name);
  if (!agent) return reply(Api::fault(404, "Agent " + name + " is not registered"));
  auto query = Query::parse(req.query);
  if (!query) return reply(from(query.fault()));
  std::optional<int64_t> after;
  int64_t wait = kDefaultWaitSeconds;
  for (const auto& [key, value] : query->params) {
    if (key == "after") {
      after = whole_number(value);
      if (!after) return reply(Api::fault(400, "Invalid after: " + value + " (a revision number)"));
    } else if (key == "wait") {
      auto w = whole_number(value);
      if (!w || *w > kMaxWaitSeconds)
        return reply(Api::fault(400, "Invalid wait: " + value + " (seconds, 0 to " + std::to_string(kMaxWaitSeconds) + ")"));
      wait = *w;
    } else {
      return reply(Api::fault(400, "Invalid query argument: " + key + " (known: after, wait)"));
    }
  }
  agents_.seen(*agent);
  // Any other revision, lower too: a controller restored from an older
  // backup is still the truth.
  if (!after || *after != service_.revision() || wait == 0) {
    if (after && *after == service_.revision()) return reply(http::Response{304, "", "application/json", {}});
    return reply(desired(*agent));
  }
  auto w = std::make_shared<Waiter>();
  w->name = name;
  w->after = *after;
  w->reply = std::move(reply);
  w->timer = std::make_unique<boost::asio::steady_timer>(io_, std::chrono::seconds(wait));
  ++agent->polling;
  waiting_.push_back(w);
  w->timer->async_wait([this, w](const boost::system::error_code& ec) {
    if (ec || w->done) return;
    finish(w, http::Response{304, "", "application/json", {}});
  });
}

void AgentsApi::finish(const std::shared_ptr<Waiter>& w, http::Response r) {
  if (w->done) return;
  w->done = true;
  w->timer->cancel();
  waiting_.remove(w);
  if (AgentInfo* a = agents_.find(w->name)) {
    --a->polling;
    agents_.seen(*a);
  }
  w->reply(std::move(r));
}

void AgentsApi::revision_committed(int64_t revision) {
  // finish() edits the list: walk a copy.
  for (const auto& w : std::list<std::shared_ptr<Waiter>>(waiting_)) {
    if (w->after == revision) continue;
    AgentInfo* a = agents_.find(w->name);
    finish(w, a ? desired(*a) : Api::fault(404, "Agent " + w->name + " is not registered"));
  }
}

void AgentsApi::wake(const std::string& name) {
  for (const auto& w : std::list<std::shared_ptr<Waiter>>(waiting_)) {
    if (w->name != name) continue;
    AgentInfo* a = agents_.find(w->name);
    finish(w, a ? desired(*a) : Api::fault(404, "Agent " + w->name + " is not registered"));
  }
}

void AgentsApi::stop() {
  for (const auto& w : std::list<std::shared_ptr<Waiter>>(waiting_)) finish(w, http::Response{304, "", "application/json", {}});
}

}  // namespace xlb::controller
