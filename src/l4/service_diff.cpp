#include "l4/service_diff.h"

#include <map>

namespace xlb::l4 {

namespace {

std::string flags_text(uint32_t flags) {
  std::string out;
  auto add = [&](uint32_t bit, const char* name) {
    if (flags & bit) out += (out.empty() ? "" : ",") + std::string(name);
  };
  add(XLB_VIP_HASH_SRC_ONLY, "hash_source_only");
  add(XLB_VIP_STATELESS, "stateless");
  add(XLB_VIP_HASH_ADDRESSES, "hash_addresses");
  return out.empty() ? "none" : out;
}

std::string rate_text(const RateLimit& r) {
  return r.rate ? std::to_string(r.rate) + "/s burst " + std::to_string(r.burst) : "none";
}

std::string backend_text(const BackendSpec& b) {
  return "(weight " + std::to_string(b.weight) + ", " + backend_state_name(b.state) + ")";
}

std::vector<std::string> backend_changes(const std::vector<BackendSpec>& before, const std::vector<BackendSpec>& after) {
  std::map<IpAddr, BackendSpec> old_by_addr, new_by_addr;
  for (const auto& b : before) old_by_addr[b.address] = b;
  for (const auto& b : after) new_by_addr[b.address] = b;
  std::vector<std::string> out;
  for (const auto& [addr, b] : old_by_addr)
    if (!new_by_addr.count(addr)) out.push_back("backend " + addr.str() + " removed");
  for (const auto& [addr, b] : new_by_addr) {
    auto old = old_by_addr.find(addr);
    if (old == old_by_addr.end()) {
      out.push_back("backend " + addr.str() + " added " + backend_text(b));
      continue;
    }
    if (old->second.weight != b.weight)
      out.push_back("backend " + addr.str() + " weight " + std::to_string(old->second.weight) + " -> " +
                    std::to_string(b.weight));
    if (old->second.state != b.state)
      out.push_back("backend " + addr.str() + " " + backend_state_name(old->second.state) + " -> " +
                    backend_state_name(b.state));
  }
  return out;
}

}  // namespace

const char* change_kind_name(ServiceChange::Kind kind) {
  switch (kind) {
    case ServiceChange::Kind::Added: return "added";
    case ServiceChange::Kind::Removed: return "removed";
    case ServiceChange::Kind::Updated: return "updated";
  }
  return "unknown";
}

std::vector<ServiceChange> diff_services(const std::vector<ServiceSpec>& before, const std::vector<ServiceSpec>& after) {
  std::map<ServiceKey, const ServiceSpec*> old_by_key, new_by_key;
  for (const auto& s : before) old_by_key[s.key] = &s;
  for (const auto& s : after) new_by_key[s.key] = &s;
  std::map<ServiceKey, ServiceChange> changes;
  for (const auto& [key, s] : old_by_key)
    if (!new_by_key.count(key)) changes[key] = {ServiceChange::Kind::Removed, key, {}};
  for (const auto& [key, s] : new_by_key) {
    auto old = old_by_key.find(key);
    if (old == old_by_key.end()) {
      ServiceChange c{ServiceChange::Kind::Added, key, {}};
      for (const auto& b : s->backends) c.details.push_back("backend " + b.address.str() + " " + backend_text(b));
      changes[key] = std::move(c);
      continue;
    }
    if (*old->second == *s) continue;
    ServiceChange c{ServiceChange::Kind::Updated, key, backend_changes(old->second->backends, s->backends)};
    if (old->second->flags != s->flags)
      c.details.push_back("flags " + flags_text(old->second->flags) + " -> " + flags_text(s->flags));
    if (old->second->rate_limit != s->rate_limit)
      c.details.push_back("rate limit " + rate_text(old->second->rate_limit) + " -> " + rate_text(s->rate_limit));
    if (c.details.empty()) c.details.push_back("backend order changed");
    changes[key] = std::move(c);
  }
  std::vector<ServiceChange> out;
  for (auto& [key, c] : changes) out.push_back(std::move(c));
  return out;
}

}  // namespace xlb::l4
