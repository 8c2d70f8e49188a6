#include "controller/api_quotas.h"

#include <algorithm>

#include "controller/api.h"
#include "controller/listing.h"

namespace xlb::controller {

namespace {

http::Response answer(unsigned status, const json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = status == 204 ? "" : body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http::Response not_allowed(const std::string& method, const std::string& allowed) {
  http::Response r = Api::fault(405, "Method " + method + " is not allowed here (allowed: " + allowed + ")");
  r.headers.emplace_back("Allow", allowed);
  return r;
}

json with_project(json quota, const std::string& project_id) {
  quota["project_id"] = project_id;
  return quota;
}

const char* kForbidden = "Policy does not allow this request to be performed.";

}  // namespace

http::Response quota_request(const http::Request& req, const std::vector<std::string>& rest, const Identity& who,
                             QuotaStore& quotas) {
  const std::string& method = req.method;
  if (rest.empty()) {
    if (method != "GET") return not_allowed(method, "GET");
    auto query = Query::parse(req.query);
    if (!query) return Api::fault(query.fault().status, query.fault().message);
    for (const auto& [key, value] : query->params)
      if (key != "project_id") return Api::fault(400, "Invalid filter argument: " + key);
    const auto wanted = query->all("project_id");
    json items = json::array();
    for (const auto& [project, own] : quotas.explicit_quotas()) {
      if (!who.admin && project != who.project_id) continue;
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), project) == wanted.end()) continue;
      items.push_back(with_project(quotas.effective(project), project));
    }
    return answer(200, {{"quotas", items}, {"quotas_links", json::array()}});
  }
  if (rest.size() != 1) return Api::fault(404, "No such resource: " + req.path);
  if (rest[0] == "defaults") {
    if (method != "GET") return not_allowed(method, "GET");
    return answer(200, {{"quota", QuotaStore::defaults()}});
  }
  const std::string& project = rest[0];
  if (method == "GET") {
    if (!who.admin && project != who.project_id) return Api::fault(403, kForbidden);
    return answer(200, {{"quota", with_project(quotas.effective(project), project)}});
  }
  if (method != "PUT" && method != "DELETE") return not_allowed(method, "GET, PUT, DELETE");
  if (!who.admin) return Api::fault(403, kForbidden);
  if (method == "DELETE") {
    if (auto st = quotas.reset(project); !st) return Api::fault(500, st.error().message);
    return answer(204, nullptr);
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return Api::fault(400, "Malformed JSON in the request body");
  auto values = read_quota_body(body);
  if (!values) return Api::fault(values.fault().status, values.fault().message);
  if (auto st = quotas.update(project, *values); !st) return Api::fault(500, st.error().message);
  return answer(202, {{"quota", with_project(quotas.effective(project), project)}});
}

}  // namespace xlb::controller
