#include "controller/service.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <random>

#include "common/logging.h"
#include "controller/node_state.h"
#include "controller/validate.h"

namespace xlb::controller {

std::string new_uuid() {
  static thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
  return out;
}

namespace {

const std::string& str(const json& record, const char* key) { return record.at(key).get_ref<const std::string&>(); }

bool is(const json& record, const char* key, const std::string& value) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() && it->get_ref<const std::string&>() == value;
}

// Which monitor types can probe the members of a pool of this protocol.
bool monitor_fits_pool(const std::string& type, const std::string& pool_protocol) {
  if (pool_protocol == "UDP") return type == "UDP-CONNECT" || type == "TCP" || type == "HTTP" || type == "PING";
  return type != "UDP-CONNECT";
}

}  // namespace

Result<Service> Service::open(Store store) {
  auto latest = store.latest();
  if (!latest) return latest.error().context("reading the newest revision");
  if (!*latest) return Service(std::move(store), State(), 0);
  auto state = State::parse((*latest)->state);
  if (!state) return state.error().context("revision " + std::to_string((*latest)->info.number));
  spdlog::info("store: desired state at revision {}", (*latest)->info.number);
  return Service(std::move(store), std::move(*state), (*latest)->info.number);
}

const json* Service::visible(Kind k, const std::string& id, const Identity& who) const {
  const json* record = state_.find(k, id);
  if (!record || (!who.admin && !is(*record, "project_id", who.project_id))) return nullptr;
  return record;
}

Fault Service::missing(Kind k, const std::string& id) {
  return not_found(std::string(names(k).label) + " " + id + " could not be found.");
}

Checked Service::check_references(Kind k, const json& record, const std::string& id, const State& s) const {
  switch (k) {
    case Kind::loadbalancer:
      for (const auto& [other_id, other] : s.collection(Kind::loadbalancer).items()) {
        if (other_id != id && other.at("vip_address") == record.at("vip_address"))
          return conflict("vip_address " + str(record, "vip_address") + " is already in use");
      }
      break;
    case Kind::listener: {
      for (const json* other : s.children(Kind::listener, "loadbalancer_id", str(record, "loadbalancer_id"))) {
        if (!is(*other, "id", id) && other->at("protocol") == record.at("protocol") &&
            other->at("protocol_port") == record.at("protocol_port"))
          return conflict("Another Listener on this Load Balancer is already using protocol " +
                          str(record, "protocol") + " port " + record.at("protocol_port").dump());
      }
      // A source filter of the other family than the VIP could never match.
      if (const json& cidrs = record.at("allowed_cidrs"); cidrs.is_array()) {
        const json* lb = s.find(Kind::loadbalancer, str(record, "loadbalancer_id"));
        const bool vip_v6 = lb && str(*lb, "vip_address").find(':') != std::string::npos;
        for (const json& cidr : cidrs) {
          const bool v6 = cidr.get_ref<const std::string&>().find(':') != std::string::npos;
          if (lb && v6 != vip_v6)
            return bad_request("allowed_cidrs entry " + cidr.get<std::string>() + " is " + (v6 ? "IPv6" : "IPv4") +
                               " but the VIP " + str(*lb, "vip_address") + " is not");
        }
      }
      const json& pool_id = record.at("default_pool_id");
      if (pool_id.is_null()) break;
      const json* pool = s.find(Kind::pool, pool_id.get<std::string>());
      // Another project's pool is as absent as one that does not exist.
      if (!pool || !is(*pool, "project_id", str(record, "project_id")))
        return missing(Kind::pool, pool_id.get<std::string>());
      if (pool->at("loadbalancer_id") != record.at("loadbalancer_id"))
        return bad_request("Pool " + pool_id.get<std::string>() + " belongs to another load balancer");
      if (pool->at("protocol") != record.at("protocol"))
        return bad_request("The pool protocol " + str(*pool, "protocol") + " does not match the listener protocol " +
                           str(record, "protocol"));
      break;
    }
    case Kind::pool:
      break;
    case Kind::member:
      for (const json* other : s.children(Kind::member, "pool_id", str(record, "pool_id"))) {
        if (!is(*other, "id", id) && other->at("address") == record.at("address") &&
            other->at("protocol_port") == record.at("protocol_port"))
          return conflict("Duplicate member: " + str(record, "address") + " port " +
                          record.at("protocol_port").dump() + " is already in pool " + str(record, "pool_id"));
      }
      break;
    case Kind::healthmonitor: {
      for (const json* other : s.children(Kind::healthmonitor, "pool_id", str(record, "pool_id"))) {
        if (!is(*other, "id", id))
          return conflict("Pool " + str(record, "pool_id") + " already has a health monitor");
      }
      const json& pool = s.collection(Kind::pool).at(str(record, "pool_id"));
      if (!monitor_fits_pool(str(record, "type"), str(pool, "protocol")))
        return bad_request("A " + str(record, "type") + " health monitor cannot check the members of a " +
                           str(pool, "protocol") + " pool");
      break;
    }
  }
  return Done{};
}

Outcome<Change> Service::create(Kind k, const json& body, const Identity& who, const std::string& parent_id) {
  auto fields = validate(k, body, nullptr);
  if (!fields) return fields.fault();
  json record = std::move(*fields);
  const std::string id = new_uuid();
  const std::string now = utc_now();
  State next = state_;
  std::string project = who.project_id;
  std::string summary = "create " + std::string(names(k).singular) + " " + id;

  // Children belong to their load balancer's project; a parent the caller
  // cannot see is "not found", whether or not it exists.
  auto parent = [&](Kind pk, const std::string& pid) -> const json* {
    const json* p = visible(pk, pid, who);
    if (p) project = str(*p, "project_id");
    return p;
  };
  switch (k) {
    case Kind::loadbalancer:
      if (!record.at("project_id").is_null()) project = str(record, "project_id");
      if (project != who.project_id && !who.admin)
        return Fault{403, "Only an admin may create a load balancer in another project"};
      summary += " (VIP " + str(record, "vip_address") + ")";
      break;
    case Kind::listener:
      if (!parent(Kind::loadbalancer, str(record, "loadbalancer_id")))
        return missing(Kind::loadbalancer, str(record, "loadbalancer_id"));
      summary += " (" + str(record, "protocol") + " " + record.at("protocol_port").dump() + ") on load balancer " +
                 str(record, "loadbalancer_id");
      break;
    case Kind::pool: {
      const json& listener_id = body.contains("listener_id") ? body.at("listener_id") : json();
      if (!listener_id.is_null()) {
        const json* listener = parent(Kind::listener, listener_id.get<std::string>());
        if (!listener) return missing(Kind::listener, listener_id.get<std::string>());
        if (!record.at("loadbalancer_id").is_null() && record.at("loadbalancer_id") != listener->at("loadbalancer_id"))
          return bad_request("Listener " + listener_id.get<std::string>() +
                             " is not on load balancer " + str(record, "loadbalancer_id"));
        if (!listener->at("default_pool_id").is_null())
          return conflict("Listener " + listener_id.get<std::string>() + " already has a default pool");
        if (listener->at("protocol") != record.at("protocol"))
          return bad_request("The pool protocol " + str(record, "protocol") +
                             " does not match the listener protocol " + str(*listener, "protocol"));
        record["loadbalancer_id"] = listener->at("loadbalancer_id");
        json& l = next.collection(Kind::listener)[listener_id.get<std::string>()];
        l["default_pool_id"] = id;
        l["updated_at"] = now;
        summary += " as the default pool of listener " + listener_id.get<std::string>();
      } else if (!parent(Kind::loadbalancer, str(record, "loadbalancer_id"))) {
        return missing(Kind::loadbalancer, str(record, "loadbalancer_id"));
      } else {
        summary += " on load balancer " + str(record, "loadbalancer_id");
      }
      break;
    }
    case Kind::member:
      if (!parent(Kind::pool, parent_id)) return missing(Kind::pool, parent_id);
      record["pool_id"] = parent_id;
      summary += " (" + str(record, "address") + " port " + record.at("protocol_port").dump() + ") in pool " +
                 parent_id;
      break;
    case Kind::healthmonitor:
      if (!parent(Kind::pool, str(record, "pool_id"))) return missing(Kind::pool, str(record, "pool_id"));
      summary += " (" + str(record, "type") + ") on pool " + str(record, "pool_id");
      break;
  }
  if (k != Kind::loadbalancer && !record.at("project_id").is_null() && str(record, "project_id") != project)
    return bad_request("project_id must be the project of the load balancer (" + project + ")");
  record["id"] = id;
  record["project_id"] = project;
  record["created_at"] = now;
  // Lists come in creation order; created_at has whole seconds, so many
  // resources share one. The revision that creates a record orders them.
  record["created_revision"] = revision_ + 1;
  record["updated_at"] = nullptr;
  if (auto c = check_references(k, record, id, next); !c) return c.fault();
  const std::string lb_id = k == Kind::loadbalancer ? id : k == Kind::listener ? str(record, "loadbalancer_id") : "";
  next.collection(k)[id] = std::move(record);
  if (placer_ && !lb_id.empty()) {
    if (auto c = placer_(next, lb_id); !c) return c.fault();
  }
  return commit(std::move(next), id, std::move(summary), who);
}

Outcome<Change> Service::update(Kind k, const std::string& id, const json& body, const Identity& who) {
  const json* existing = visible(k, id, who);
  if (!existing) return missing(k, id);
  auto record = validate(k, body, existing);
  if (!record) return record.fault();
  std::string changed;
  for (const auto& [key, value] : body.items()) changed += (changed.empty() ? "" : ", ") + key;
  (*record)["updated_at"] = utc_now();
  if (auto c = check_references(k, *record, id, state_); !c) return c.fault();
  State next = state_;
  next.collection(k)[id] = std::move(*record);
  return commit(std::move(next), id,
                "update " + std::string(names(k).singular) + " " + id + (changed.empty() ? "" : ": " + changed), who);
}

Outcome<Change> Service::remove(Kind k, const std::string& id, const Identity& who, bool cascade) {
  if (!visible(k, id, who)) return missing(k, id);
  State next = state_;
  std::string summary = "delete " + std::string(names(k).singular) + " " + id;
  const std::string now = utc_now();
  // A pool takes its members and monitor with it, and listeners stop pointing at it.
  auto remove_pool = [&](const std::string& pool_id) {
    for (const json* m : state_.children(Kind::member, "pool_id", pool_id))
      next.collection(Kind::member).erase(str(*m, "id"));
    for (const json* h : state_.children(Kind::healthmonitor, "pool_id", pool_id))
      next.collection(Kind::healthmonitor).erase(str(*h, "id"));
    for (auto& [lid, listener] : next.collection(Kind::listener).items()) {
      if (is(listener, "default_pool_id", pool_id)) {
        listener["default_pool_id"] = nullptr;
        listener["updated_at"] = now;
      }
    }
    next.collection(Kind::pool).erase(pool_id);
  };
  if (k == Kind::loadbalancer) {
    auto listeners = state_.children(Kind::listener, "loadbalancer_id", id);
    auto pools = state_.children(Kind::pool, "loadbalancer_id", id);
    if (!listeners.empty() || !pools.empty()) {
      if (!cascade)
        return bad_request("Cannot delete Load Balancer " + id + ": it has " + std::to_string(listeners.size()) +
                           " listener(s) and " + std::to_string(pools.size()) +
                           " pool(s); delete them first or add ?cascade=true");
      for (const json* p : pools) remove_pool(str(*p, "id"));
      for (const json* l : listeners) next.collection(Kind::listener).erase(str(*l, "id"));
      summary += " with " + std::to_string(listeners.size()) + " listener(s) and " + std::to_string(pools.size()) +
                 " pool(s) (cascade)";
    }
    next.collection(k).erase(id);
  } else if (k == Kind::pool) {
    remove_pool(id);
  } else {
    next.collection(k).erase(id);
  }
  return commit(std::move(next), id, std::move(summary), who);
}

Outcome<Change> Service::rollback(int64_t n, const Identity& who) {
  if (!who.admin) return Fault{403, "Rolling back needs the admin role"};
  auto revision = store_.get(n);
  if (!revision) return Fault{500, revision.error().message};
  if (!*revision) return not_found("Revision " + std::to_string(n) + " could not be found.");
  auto state = State::parse((*revision)->state);
  if (!state) return Fault{500, state.error().message};
  return commit(std::move(*state), "", "rollback to revision " + std::to_string(n), who, n);
}

Outcome<Change> Service::place_unplaced(const Identity& who) {
  if (!placer_) return Change{};
  State next = state_;
  std::string placed;
  for (const auto& [id, lb] : state_.collection(Kind::loadbalancer).items()) {
    if (lb.contains(kPlacementGroup)) continue;
    // One that no group can serve stays unplaced until one can.
    if (placer_(next, id) && next.find(Kind::loadbalancer, id)->contains(kPlacementGroup))
      placed += (placed.empty() ? "" : ", ") + id;
  }
  if (placed.empty()) return Change{};
  return commit(std::move(next), "", "place load balancer(s) " + placed, who);
}

Outcome<Change> Service::commit(State next, const std::string& id, std::string summary, const Identity& who,
                                std::optional<int64_t> rollback_of) {
  RevisionInfo info{0, utc_now(), who.name, who.project_id, std::move(summary), rollback_of};
  auto number = store_.append(info, state_.document(), next.document());
  if (!number) {
    spdlog::error("store: {} failed: {}", info.summary, number.error().message);
    return Fault{500, "The change could not be stored: " + number.error().message};
  }
  State before = std::move(state_);
  state_ = std::move(next);
  revision_ = *number;
  if (on_commit_) on_commit_(before, state_, revision_);
  spdlog::info("{}", event_line("revision", {{"revision", std::to_string(*number)},
                                             {"actor", who.name},
                                             {"project", who.project_id},
                                             {"summary", info.summary}}));
  return Change{*number, id};
}

}  // namespace xlb::controller
