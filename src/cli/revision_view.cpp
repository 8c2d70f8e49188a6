#include "cli/revision_view.h"

#include <set>

#include "cli/table.h"

namespace xlb::cli {

using nlohmann::json;

namespace {

constexpr std::pair<const char*, const char*> kCollections[] = {{"loadbalancers", "loadbalancer"},
                                                                 {"listeners", "listener"},
                                                                 {"pools", "pool"},
                                                                 {"members", "member"},
                                                                 {"healthmonitors", "healthmonitor"}};

const json& records(const json& state, const char* plural) {
  static const json empty = json::object();
  auto it = state.find(plural);
  return it != state.end() && it->is_object() ? *it : empty;
}

}  // namespace

json state_changes(const json& before, const json& after) {
  json out = json::array();
  for (const auto& [plural, kind] : kCollections) {
    const json& old_records = records(before, plural);
    const json& new_records = records(after, plural);
    std::set<std::string> ids;
    for (const auto& [id, _] : old_records.items()) ids.insert(id);
    for (const auto& [id, _] : new_records.items()) ids.insert(id);
    for (const auto& id : ids) {
      const bool was = old_records.contains(id), is = new_records.contains(id);
      if (!is) {
        out.push_back({{"action", "delete"}, {"kind", kind}, {"id", id}, {"before", old_records[id]}});
      } else if (!was) {
        out.push_back({{"action", "create"}, {"kind", kind}, {"id", id}, {"after", new_records[id]}});
      } else if (old_records[id] != new_records[id]) {
        json fields = json::object();
        const json& o = old_records[id];
        const json& n = new_records[id];
        std::set<std::string> keys;
        for (const auto& [k, _] : o.items()) keys.insert(k);
        for (const auto& [k, _] : n.items()) keys.insert(k);
        for (const auto& k : keys) {
          const json a = o.contains(k) ? o[k] : json(), b = n.contains(k) ? n[k] : json();
          if (a != b) fields[k] = {{"before", a}, {"after", b}};
        }
        out.push_back({{"action", "update"}, {"kind", kind}, {"id", id}, {"fields", fields}});
      }
    }
  }
  return out;
}

std::string render_changes(const json& changes) {
  if (changes.empty()) return "no changes\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : changes) {
    const std::string action = c.value("action", "");
    std::string what;
    if (action == "update") {
      const json fields = c.value("fields", json::object());
      for (const auto& [field, change] : fields.items()) {
        if (field == "updated_at") continue;  // every update has it
        if (!what.empty()) what += ", ";
        what += field + " " + cell_text(change.value("before", json())) + " -> " + cell_text(change.value("after", json()));
      }
    } else {
      const json record = c.value(action == "create" ? "after" : "before", json::object());
      for (const char* key : {"name", "vip_address", "protocol", "protocol_port", "address", "type"}) {
        auto it = record.find(key);
        if (it == record.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) continue;
        if (!what.empty()) what += " ";
        what += std::string(key) + "=" + cell_text(*it);
      }
    }
    rows.push_back({action, c.value("kind", ""), c.value("id", ""), what});
  }
  return render_table({"action", "kind", "id", "change"}, rows);
}

}  // namespace xlb::cli
