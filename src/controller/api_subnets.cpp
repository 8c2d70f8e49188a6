#include "controller/api_subnets.h"

#include <algorithm>

#include "controller/api.h"
#include "controller/listing.h"

namespace xlb::controller {

http::Response subnet_request(const http::Request& req, const std::vector<std::string>& rest, const Subnets& subnets) {
  if (req.method != "GET") {
    http::Response r = Api::fault(405, "Method " + req.method + " is not allowed here (allowed: GET)");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  json out;
  if (rest.size() == 1) {
    const Subnet* s = subnets.find(rest[0]);
    if (!s) return Api::fault(404, "Subnet " + rest[0] + " could not be found.");
    out = {{"subnet", subnet_json(*s)}};
  } else if (rest.empty()) {
    auto query = Query::parse(req.query);
    if (!query) return Api::fault(query.fault().status, query.fault().message);
    for (const auto& [key, value] : query->params)
      if (key != "id" && key != "name" && key != "network_id" && key != "cidr" && key != "fields")
        return Api::fault(400, "Invalid filter argument: " + key);
    json items = json::array();
    for (const auto& s : subnets.all()) {
      const json j = subnet_json(s);
      bool match = true;
      for (const char* key : {"id", "name", "network_id", "cidr"}) {
        const auto wanted = query->all(key);
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), j[key].is_string() ? j[key].get<std::string>()
                                                                                          : std::string()) ==
                                   wanted.end())
          match = false;
      }
      if (match) items.push_back(j);
    }
    out = {{"subnets", items}};
  } else {
    return Api::fault(404, "No such resource: " + req.path);
  }
  http::Response r;
  r.content_type = "application/json";
  r.body = out.dump();
  return r;
}

}  // namespace xlb::controller
