// Collections as Octavia lists them: field filters (?name=web&admin_state_up=true,
// a repeated key matching any of its values), ?fields= to choose the keys
// shown, and limit/marker pagination with "<collection>_links" whose links
// carry the same filters.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/url.h"
#include "controller/fault.h"
#include "controller/state.h"

namespace xlb::controller {

// A query string split into decoded key/value pairs, in order.
struct Query {
  std::vector<std::pair<std::string, std::string>> params;

  // Percent-decodes and treats '+' as a space; a bad escape is a 400.
  static Outcome<Query> parse(std::string_view raw);
  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> all(std::string_view key) const;
};

inline constexpr size_t kMaxPageSize = 1000;

// `items` are rendered resources the caller may see, in the order to list
// them (the marker is a position in that order); `example` is any
// rendered resource of the same kind, whose keys are the fields one may
// filter on (scalars only) and choose with ?fields=. `applied` names filters
// the caller has already applied to `items` (fields the wire does not show,
// such as a listener's loadbalancer_id): accepted and kept in the links.
// `base_url` is the absolute URL of the collection ("http://host:port/v2/lbaas/pools").
Outcome<json> list_collection(std::vector<json> items, const json& example, const Query& query,
                              std::string_view plural, const std::string& base_url,
                              const std::set<std::string, std::less<>>& applied = {});

}  // namespace xlb::controller
