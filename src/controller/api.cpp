#include "controller/api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "controller/api_quotas.h"
#include "controller/api_subnets.h"
#include "controller/diff.h"
#include "controller/listing.h"
#include "controller/render.h"

namespace xlb::controller {

namespace {

constexpr size_t kMaxRevisionPage = 1000;

http::Response json_response(unsigned status, const json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  // Paths and query values echoed in faults may hold any bytes: print
  // invalid UTF-8 as U+FFFD instead of throwing.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http::Response changed(unsigned status, const json& body, int64_t revision) {
  http::Response r = status == 204 ? http::Response{204, "", "application/json", {}} : json_response(status, body);
  r.headers.emplace_back("X-Xlb-Revision", std::to_string(revision));
  return r;
}

http::Response from(const Fault& f) { return Api::fault(f.status, f.message); }

http::Response method_not_allowed(std::string_view method, std::string_view allowed) {
  http::Response r = Api::fault(405, "Method " + std::string(method) + " is not allowed here (allowed: " +
                                         std::string(allowed) + ")");
  r.headers.emplace_back("Allow", std::string(allowed));
  return r;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    if (slash != 0) out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::optional<int64_t> positive_integer(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1) return std::nullopt;
  return v;
}

constexpr int kMaxNesting = 32;

// How deep arrays and objects nest in JSON text (brackets inside strings do
// not count). Checked before parsing, because the parsed value is printed
// and compared recursively: a body of 300,000 '[' would exhaust the stack.
int nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Outcome<json> parse_body(const std::string& text) {
  if (nesting(text) > kMaxNesting)
    return bad_request("The request body nests deeper than " + std::to_string(kMaxNesting) + " levels");
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded()) return bad_request("Malformed JSON in the request body");
  return body;
}

// The inner object of {"<key>": {...}}.
Outcome<json> wrapped_body(const http::Request& req, std::string_view key) {
  auto parsed = parse_body(req.body);
  if (!parsed) return parsed;
  const json& body = *parsed;
  if (!body.is_object() || body.size() != 1 || !body.contains(key) || !body.at(std::string(key)).is_object())
    return bad_request("The request body must be a JSON object {\"" + std::string(key) + "\": {...}}");
  return body.at(std::string(key));
}

json revision_info(const RevisionInfo& r) {
  return {{"revision", r.number}, {"created_at", r.created_at}, {"actor", r.actor}, {"project_id", r.project_id},
          {"summary", r.summary}, {"rollback_of", r.rollback_of ? json(*r.rollback_of) : json()}};
}

struct Call {
  const http::Request& req;
  const Identity& who;
  Service& service;
  std::string base;  // "http://host:port" for links
  QuotaStore* quotas = nullptr;
  const Subnets* subnets = nullptr;
  const Statuses* statuses = nullptr;
  const ListenerStats* stats = nullptr;
};

http::Response list(Call& c, Kind k, const std::string& collection_path, const std::string* pool_id) {
  auto query = Query::parse(c.req.query);
  if (!query) return from(query.fault());
  // Octavia clients filter children by parent id (openstack loadbalancer
  // listener list --loadbalancer X sends ?loadbalancer_id=X), a field the
  // response shows only as a list: it is matched on the stored record.
  const char* parent_key = k == Kind::listener || k == Kind::pool ? "loadbalancer_id"
                           : k == Kind::healthmonitor               ? "pool_id"
                                                                    : nullptr;
  const std::vector<std::string> parents = parent_key ? query->all(parent_key) : std::vector<std::string>{};
  std::vector<const json*> records;
  const State& s = c.service.state();
  for (const auto& [id, record] : s.collection(k).items()) {
    if (pool_id && record.at("pool_id") != *pool_id) continue;
    if (!parents.empty() && std::find(parents.begin(), parents.end(), record.at(parent_key)) == parents.end())
      continue;
    if (c.service.visible(k, id, c.who)) records.push_back(&record);
  }
  // Creation order; the collection is already in id order, which breaks ties.
  std::stable_sort(records.begin(), records.end(), [](const json* a, const json* b) {
    return a->value("created_revision", 0) < b->value("created_revision", 0);
  });
  std::vector<json> items;
  for (const json* r : records) items.push_back(render(k, *r, s, c.statuses));
  std::set<std::string, std::less<>> applied;
  if (parent_key) applied.insert(parent_key);
  auto page = list_collection(std::move(items), example(k), *query, names(k).plural, c.base + collection_path,
                              applied);
  return page ? json_response(200, *page) : from(page.fault());
}

http::Response show(Call& c, Kind k, const json& record) {
  return json_response(200, {{std::string(names(k).singular), render(k, record, c.service.state(), c.statuses)}});
}

http::Response after_change(Call& c, Kind k, const Outcome<Change>& change, unsigned status) {
  if (!change) return from(change.fault());
  if (status == 204) return changed(204, nullptr, change->revision);
  const json* record = c.service.state().find(k, change->id);
  return changed(status, {{std::string(names(k).singular), render(k, *record, c.service.state(), c.statuses)}},
                 change->revision);
}

// A listener's counters, or the sum over a load balancer's listeners. Without
// agents (a controller alone) nothing was counted.
Counters counters_of(const Call& c, Kind k, const std::string& id) {
  Counters sum;
  if (!c.stats) return sum;
  if (k == Kind::listener) return c.stats->total(id);
  for (const auto& [listener_id, listener] : c.service.state().collection(Kind::listener).items())
    if (listener.at("loadbalancer_id") == id) sum += c.stats->total(listener_id);
  return sum;
}

// /<collection> and /<collection>/<id> of one kind. `pool_id` is set for members.
http::Response resource(Call& c, Kind k, const std::vector<std::string>& rest, const std::string& collection_path,
                        const std::string* pool_id) {
  const std::string& method = c.req.method;
  const std::string singular(names(k).singular);
  if (rest.empty()) {
    if (method == "GET") return list(c, k, collection_path, pool_id);
    if (method == "POST") {
      auto body = wrapped_body(c.req, singular);
      if (!body) return from(body.fault());
      if (k == Kind::loadbalancer && c.subnets) {
        body = place_vip(std::move(*body), *c.subnets, c.service.state());
        if (!body) return from(body.fault());
      }
      if (c.quotas) {
        auto project = owning_project(k, *body, pool_id ? *pool_id : "", c.who, c.service);
        if (project)
          if (auto over = check_quota(k, *project, c.service.state(), *c.quotas)) return from(*over);
      }
      return after_change(c, k, c.service.create(k, *body, c.who, pool_id ? *pool_id : ""), 201);
    }
    return method_not_allowed(method, "GET, POST");
  }
  const std::string& id = rest[0];
  const json* record = c.service.visible(k, id, c.who);
  if (record && pool_id && record->at("pool_id") != *pool_id) record = nullptr;  // a member of another pool
  if (rest.size() == 2 && k == Kind::loadbalancer && rest[1] == "status") {
    if (method != "GET") return method_not_allowed(method, "GET");
    if (!record) return from(Service::missing(k, id));
    return json_response(200, status_tree(*record, c.service.state(), c.statuses));
  }
  if (rest.size() == 2 && (k == Kind::loadbalancer || k == Kind::listener) && rest[1] == "stats") {
    if (method != "GET") return method_not_allowed(method, "GET");
    if (!record) return from(Service::missing(k, id));
    return json_response(200, {{"stats", ListenerStats::render(counters_of(c, k, id))}});
  }
  if (rest.size() != 1) return Api::fault(404, "No such resource: " + c.req.path);
  if (method != "GET" && method != "PUT" && method != "DELETE") return method_not_allowed(method, "GET, PUT, DELETE");
  if (!record) return from(Service::missing(k, id));
  if (method == "GET") return show(c, k, *record);
  if (method == "PUT") {
    auto body = wrapped_body(c.req, singular);
    if (!body) return from(body.fault());
    return after_change(c, k, c.service.update(k, id, *body, c.who), 200);
  }
  auto query = Query::parse(c.req.query);
  if (!query) return from(query.fault());
  const auto cascade = query->get("cascade");
  if (cascade && *cascade != "true" && *cascade != "True" && *cascade != "false" && *cascade != "False")
    return Api::fault(400, "cascade must be true or false");
  const bool cascading = cascade && (*cascade == "true" || *cascade == "True");
  if (cascade && k != Kind::loadbalancer) return Api::fault(400, "cascade applies only to load balancers");
  return after_change(c, k, c.service.remove(k, id, c.who, cascading), 204);
}

http::Response lbaas(Call& c, const std::vector<std::string>& seg, const std::string& prefix) {
  // seg[0] is the collection.
  const std::vector<std::string> rest(seg.begin() + 1, seg.end());
  const std::string path = prefix + "/" + seg[0];
  if (seg[0] == "quotas" && c.quotas) return quota_request(c.req, rest, c.who, *c.quotas);
  if (seg[0] == "pools" && seg.size() >= 3 && seg[2] == "members") {
    const std::string& pool_id = seg[1];
    if (!c.service.visible(Kind::pool, pool_id, c.who)) return from(Service::missing(Kind::pool, pool_id));
    return resource(c, Kind::member, std::vector<std::string>(seg.begin() + 3, seg.end()),
                    path + "/" + pool_id + "/members", &pool_id);
  }
  for (const auto& k : kKinds) {
    if (k.kind != Kind::member && seg[0] == k.plural) return resource(c, k.kind, rest, path, nullptr);
  }
  return Api::fault(404, "No such resource: " + c.req.path);
}

http::Response revisions(Call& c, const std::vector<std::string>& seg) {
  if (!c.who.admin) return Api::fault(403, "Revisions and rollback need the admin role");
  const std::string& method = c.req.method;
  Store& store = c.service.store();
  if (seg[0] == "rollback" && seg.size() == 1) {
    if (method != "POST") return method_not_allowed(method, "POST");
    auto parsed = parse_body(c.req.body);
    if (!parsed) return from(parsed.fault());
    json& body = *parsed;
    if (!body.is_object() || body.size() != 1 || !body.contains("revision") || !body["revision"].is_number_integer() ||
        body["revision"].get<int64_t>() < 1)
      return Api::fault(400, "The request body must be {\"revision\": n} with n a revision number");
    auto change = c.service.rollback(body["revision"].get<int64_t>(), c.who);
    if (!change) return from(change.fault());
    auto info = store.info(change->revision);
    if (!info || !*info) return Api::fault(500, "The new revision could not be read back");
    return changed(201, {{"revision", revision_info(**info)}}, change->revision);
  }
  if (seg[0] != "revisions" || seg.size() > 2) return Api::fault(404, "No such resource: " + c.req.path);
  if (method != "GET") return method_not_allowed(method, "GET");
  if (seg.size() == 1) {
    auto query = Query::parse(c.req.query);
    if (!query) return from(query.fault());
    std::optional<int64_t> before;
    size_t limit = kMaxRevisionPage;
    for (const auto& [key, value] : query->params) {
      if (key == "marker") {
        before = positive_integer(value);
        if (!before) return Api::fault(400, "Invalid marker: " + value + " (a revision number)");
      } else if (key == "limit") {
        auto l = positive_integer(value);
        if (!l) return Api::fault(400, "Invalid limit: " + value);
        limit = std::min<size_t>(static_cast<size_t>(*l), kMaxRevisionPage);
      } else {
        return Api::fault(400, "Invalid filter argument: " + key);
      }
    }
    // One more than asked tells whether a next page exists.
    auto rows = store.list(before, static_cast<int64_t>(limit) + 1);
    if (!rows) return Api::fault(500, rows.error().message);
    json items = json::array(), links = json::array();
    for (size_t i = 0; i < rows->size() && i < limit; ++i) items.push_back(revision_info((*rows)[i]));
    if (rows->size() > limit)
      links.push_back({{"rel", "next"},
                       {"href", c.base + "/v2/xlb/revisions?limit=" + std::to_string(limit) +
                                    "&marker=" + std::to_string((*rows)[limit - 1].number)}});
    return json_response(200, {{"revisions", items}, {"revisions_links", links}});
  }
  auto n = positive_integer(seg[1]);
  if (!n) return Api::fault(404, "Revision " + seg[1] + " could not be found.");
  auto revision = store.get(*n);
  if (!revision) return Api::fault(500, revision.error().message);
  if (!*revision) return Api::fault(404, "Revision " + seg[1] + " could not be found.");
  auto state = State::parse((*revision)->state);
  if (!state) return Api::fault(500, state.error().message);
  State previous;
  if (*n > 1) {
    auto before = store.get(*n - 1);
    if (!before) return Api::fault(500, before.error().message);
    if (*before) {
      auto parsed = State::parse((*before)->state);
      if (!parsed) return Api::fault(500, parsed.error().message);
      previous = std::move(*parsed);
    }
  }
  json out = revision_info((*revision)->info);
  out["diff"] = diff(previous, *state);
  out["state"] = state->document();
  return json_response(200, {{"revision", std::move(out)}});
}

http::Response versions(const std::string& base) {
  json v = json::array();
  for (const char* id : {"v2.0"}) {
    v.push_back({{"id", id},
                 {"status", "CURRENT"},
                 {"updated", "2026-12-01T00:00:00Z"},
                 {"links", {{{"href", base + "/v2"}, {"rel", "self"}}}}});
  }
  return json_response(200, {{"versions", v}});
}

}  // namespace

http::Response Api::json_answer(unsigned status, const json& body) { return json_response(status, body); }

http::Response Api::fault(unsigned status, std::string_view message) {
  return json_response(status, {{"faultcode", status >= 500 ? "Server" : "Client"},
                                {"faultstring", std::string(message)},
                                {"debuginfo", nullptr}});
}

http::Response Api::handle(const http::Request& req) {
  const std::vector<std::string> seg = split_path(req.path);
  const std::string_view host = req.header("host");
  const std::string base = "http://" + std::string(host.empty() ? "localhost" : host);
  if (seg.empty()) return req.method == "GET" ? versions(base) : method_not_allowed(req.method, "GET");

  auto identity = authenticate(req);
  if (!identity) return from(identity.fault());
  const Identity* who = *identity;
  if (who->agent) return fault(403, "An agent token may only use /v2/xlb/agents");

  Call call{req, *who, service_, base, quotas_, subnets_.get(), statuses_, stats_};
  if (seg.size() >= 2 && seg[0] == "v2.0" && seg[1] == "subnets")
    return subnet_request(req, std::vector<std::string>(seg.begin() + 2, seg.end()), *subnets_);
  if (seg.size() >= 3 && (seg[0] == "v2" || seg[0] == "v2.0") && seg[1] == "lbaas")
    return lbaas(call, std::vector<std::string>(seg.begin() + 2, seg.end()), "/" + seg[0] + "/lbaas");
  if (seg.size() >= 3 && seg[0] == "v2" && seg[1] == "xlb")
    return revisions(call, std::vector<std::string>(seg.begin() + 2, seg.end()));
  return fault(404, "No such resource: " + req.path);
}

Outcome<const Identity*> Api::authenticate(const http::Request& req) const {
  const std::string_view token = req.header("x-auth-token");
  if (token.empty()) return Fault{401, "Authentication required: send an X-Auth-Token header"};
  const Identity* who = tokens_->find(token);
  if (!who) return Fault{401, "The X-Auth-Token is not valid"};
  return who;
}

void Api::handle_async(const http::Request& req, http::Reply reply) {
  const std::vector<std::string> seg = split_path(req.path);
  if (!agents_ || seg.size() < 3 || seg[0] != "v2" || seg[1] != "xlb" || seg[2] != "agents") return reply(handle(req));
  auto identity = authenticate(req);
  if (!identity) return reply(from(identity.fault()));
  agents_->handle(req, **identity, std::vector<std::string>(seg.begin() + 2, seg.end()), std::move(reply));
}

}  // namespace xlb::controller
