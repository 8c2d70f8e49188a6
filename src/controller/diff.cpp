#include "controller/diff.h"

namespace xlb::controller {

namespace {

json field_changes(const json& before, const json& after) {
  json fields = json::object();
  for (const auto& [key, old_value] : before.items()) {
    auto it = after.find(key);
    const json new_value = it == after.end() ? json() : *it;
    if (old_value != new_value) fields[key] = {{"before", old_value}, {"after", new_value}};
  }
  for (const auto& [key, new_value] : after.items()) {
    if (!before.contains(key)) fields[key] = {{"before", nullptr}, {"after", new_value}};
  }
  return fields;
}

}  // namespace

json diff(const State& before, const State& after) {
  json out = json::array();
  for (const auto& k : kKinds) {
    const json& old_records = before.collection(k.kind);
    const json& new_records = after.collection(k.kind);
    const std::string kind(k.singular);
    // Both collections are sorted by id: walk them together.
    auto o = old_records.begin(), n = new_records.begin();
    while (o != old_records.end() || n != new_records.end()) {
      if (n == new_records.end() || (o != old_records.end() && o.key() < n.key())) {
        out.push_back({{"action", "delete"}, {"kind", kind}, {"id", o.key()}, {"before", *o}});
        ++o;
      } else if (o == old_records.end() || n.key() < o.key()) {
        out.push_back({{"action", "create"}, {"kind", kind}, {"id", n.key()}, {"after", *n}});
        ++n;
      } else {
        if (*o != *n)
          out.push_back({{"action", "update"}, {"kind", kind}, {"id", n.key()}, {"fields", field_changes(*o, *n)}});
        ++o;
        ++n;
      }
    }
  }
  return out;
}

}  // namespace xlb::controller
