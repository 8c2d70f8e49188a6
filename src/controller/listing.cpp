#include "controller/listing.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

namespace xlb::controller {

namespace {

// Query keys that steer the listing rather than filter it.
const std::set<std::string, std::less<>> kControlKeys = {"limit", "marker", "page_reverse", "fields"};
const std::set<std::string, std::less<>> kSortKeys = {"sort", "sort_key", "sort_dir"};
// Octavia's tag filters: the item has every tag (tags), at least one
// (tags-any), lacks at least one (not-tags), or has none (not-tags-any).
// Values are comma-separated lists and the key may repeat.
const std::set<std::string, std::less<>> kTagKeys = {"tags", "tags-any", "not-tags", "not-tags-any"};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Outcome<std::string> decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return bad_request("Malformed query string: bad %-escape");
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return bad_request("Malformed query string: bad %-escape");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// How a filter value compares with a scalar field: as the text a query would carry.
std::optional<std::string> as_query_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  if (v.is_null()) return std::string();
  return std::nullopt;  // lists and objects are not filterable
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool tags_match(const json& item, const std::string& key, const std::vector<std::string>& wanted) {
  const json& tags = item.at("tags");
  auto has = [&](const std::string& tag) { return std::find(tags.begin(), tags.end(), tag) != tags.end(); };
  const bool all = std::all_of(wanted.begin(), wanted.end(), has);
  const bool any = std::any_of(wanted.begin(), wanted.end(), has);
  if (key == "tags") return all;
  if (key == "tags-any") return any;
  if (key == "not-tags") return !all;
  return !any;  // not-tags-any
}

bool matches(const json& item, const std::string& key, const std::vector<std::string>& wanted) {
  auto text = as_query_text(item.at(key));
  if (!text) return false;
  const bool boolean = item.at(key).is_boolean();
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return boolean ? lower(w) == *text : w == *text; });
}

}  // namespace

Outcome<Query> Query::parse(std::string_view raw) {
  Query q;
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    auto key = decode(part.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!key) return key.fault();
    if (!value) return value.fault();
    q.params.emplace_back(std::move(*key), std::move(*value));
  }
  return q;
}

std::optional<std::string> Query::get(std::string_view key) const {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return std::nullopt;
}

std::vector<std::string> Query::all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : params)
    if (k == key) out.push_back(v);
  return out;
}

Outcome<json> list_collection(std::vector<json> items, const json& example, const Query& query,
                              std::string_view plural, const std::string& base_url,
                              const std::set<std::string, std::less<>>& applied) {
  std::set<std::string, std::less<>> shown, filterable;
  for (const auto& [key, value] : example.items()) {
    shown.insert(key);
    if (as_query_text(value)) filterable.insert(key);
  }
  auto known = [&](const std::string& key) { return shown.count(key) != 0; };

  // limit: absent or below 1 means everything, up to the page cap.
  size_t limit = kMaxPageSize;
  if (auto l = query.get("limit")) {
    long long v = 0;
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
    if (ec != std::errc() || end != l->data() + l->size()) return bad_request("Invalid limit: " + *l);
    if (v >= 1) {
      limit = std::min<size_t>(static_cast<size_t>(v), kMaxPageSize);
    }
  }
  bool reverse = false;
  if (auto r = query.get("page_reverse")) {
    if (lower(*r) != "true" && lower(*r) != "false") return bad_request("page_reverse must be True or False");
    reverse = lower(*r) == "true";
  }
  for (const auto& [key, value] : query.params) {
    if (kSortKeys.count(key)) return bad_request("Sorting is not supported yet: lists come in creation order");
  }

  // Filters keep the order of the first appearance of each key.
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;
  std::map<std::string, std::vector<std::string>, std::less<>> tag_filters;
  for (const auto& [key, value] : query.params) {
    if (kControlKeys.count(key) || kSortKeys.count(key) || applied.count(key)) continue;
    if (kTagKeys.count(key) && known("tags")) {
      auto& wanted = tag_filters[key];
      for (size_t start = 0; start <= value.size();) {
        const size_t comma = std::min(value.find(',', start), value.size());
        if (comma > start) wanted.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
      continue;
    }
    auto it = std::find_if(filters.begin(), filters.end(), [&](const auto& f) { return f.first == key; });
    if (it != filters.end()) {
      it->second.push_back(value);
      continue;
    }
    if (!known(key) || !filterable.count(key)) return bad_request("Invalid filter argument: " + key);
    filters.push_back({key, {value}});
  }
  std::vector<std::string> fields;
  for (const std::string& f : query.all("fields")) {
    for (size_t start = 0; start <= f.size();) {
      const size_t comma = std::min(f.find(',', start), f.size());
      std::string name = f.substr(start, comma - start);
      if (!name.empty()) {
        if (!known(name)) return bad_request("Invalid field in fields: " + name);
        fields.push_back(name);
      }
      start = comma + 1;
    }
  }

  // The marker must name an item the caller can see; the page starts after
  // it (or, reversed, ends before it).
  auto begin = items.begin(), end = items.end();
  const auto marker = query.get("marker");
  if (marker) {
    auto at = std::find_if(items.begin(), items.end(), [&](const json& i) { return i.at("id") == *marker; });
    if (at == items.end()) return bad_request("Invalid marker: " + *marker);
    if (reverse)
      end = at;
    else
      begin = at + 1;
  }
  std::vector<const json*> selected;
  for (auto it = begin; it != end; ++it) {
    bool keep =
        std::all_of(filters.begin(), filters.end(), [&](const auto& f) { return matches(*it, f.first, f.second); }) &&
        std::all_of(tag_filters.begin(), tag_filters.end(),
                    [&](const auto& f) { return tags_match(*it, f.first, f.second); });
    if (keep) selected.push_back(&*it);
  }
  size_t first = 0, last = selected.size();
  if (selected.size() > limit) {
    if (reverse)
      first = selected.size() - limit;
    else
      last = limit;
  }
  json page = json::array();
  for (size_t i = first; i < last; ++i) {
    if (fields.empty()) {
      page.push_back(*selected[i]);
    } else {
      json chosen = json::object();
      for (const auto& f : fields) chosen[f] = selected[i]->at(f);
      page.push_back(std::move(chosen));
    }
  }

  // Links repeat the filters and fields, then the page size and the marker.
  std::string kept;
  for (const auto& [key, value] : query.params) {
    if (key == "limit" || key == "marker" || key == "page_reverse") continue;
    kept += percent_encode(key) + "=" + percent_encode(value) + "&";
  }
  auto link = [&](const std::string& rel, const json& at, bool back) {
    return json{{"rel", rel},
                {"href", base_url + "?" + kept + "limit=" + std::to_string(limit) + "&marker=" +
                             percent_encode(at.at("id").get<std::string>()) + (back ? "&page_reverse=True" : "")}};
  };
  json links = json::array();
  if (first < last) {
    // Forward, a marker means there is something before the page; reversed,
    // it means there is something after.
    const bool earlier = reverse ? first > 0 : marker.has_value();
    const bool later = reverse ? marker.has_value() : last < selected.size();
    if (earlier) links.push_back(link("previous", *selected[first], true));
    if (later) links.push_back(link("next", *selected[last - 1], false));
  }
  return json{{std::string(plural), std::move(page)}, {std::string(plural) + "_links", std::move(links)}};
}

}  // namespace xlb::controller
