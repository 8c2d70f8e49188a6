#include "controller/state.h"

namespace xlb::controller {

const KindNames& names(Kind k) { return kKinds[static_cast<size_t>(k)]; }

State::State() : doc_(json::object()) {
  for (const auto& k : kKinds) doc_[std::string(k.plural)] = json::object();
}

Result<State> State::parse(std::string_view text) {
  State s;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{"stored desired state is not a JSON object"};
  for (const auto& k : kKinds) {
    auto it = doc.find(std::string(k.plural));
    if (it == doc.end()) continue;
    if (!it->is_object()) return Error{"stored desired state: " + std::string(k.plural) + " is not an object"};
    s.doc_[std::string(k.plural)] = std::move(*it);
  }
  return s;
}

std::string State::serialize() const { return doc_.dump(); }

const json& State::collection(Kind k) const { return doc_.at(std::string(names(k).plural)); }
json& State::collection(Kind k) { return doc_.at(std::string(names(k).plural)); }

const json* State::find(Kind k, const std::string& id) const {
  const json& c = collection(k);
  auto it = c.find(id);
  return it == c.end() ? nullptr : &*it;
}

json* State::find(Kind k, const std::string& id) {
  json& c = collection(k);
  auto it = c.find(id);
  return it == c.end() ? nullptr : &*it;
}

std::vector<const json*> State::children(Kind k, std::string_view key, const std::string& value) const {
  std::vector<const json*> out;
  for (const auto& [id, record] : collection(k).items()) {
    auto it = record.find(key);
    if (it != record.end() && it->is_string() && it->get_ref<const std::string&>() == value) out.push_back(&record);
  }
  return out;
}

}  // namespace xlb::controller
