// The desired state and every change to it. One Service owns the current
// State and the Store; each successful mutation builds the next state aside,
// writes it as a new revision, and only then makes it current, so a failed
// write changes nothing and every acknowledged change is on disk. It checks
// what needs the whole state: references between resources, ownership
// (another project's resource is "not found"), and conflicts.
//
// Not thread-safe: the controller calls it from its one event-loop thread,
// which is also what makes revisions strictly ordered.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/auth.h"
#include "controller/fault.h"
#include "controller/state.h"
#include "controller/store.h"

namespace xlb::controller {

struct Change {
  int64_t revision = 0;
  std::string id;  // the resource created, changed or deleted
};

class Service {
 public:
  // Loads the newest revision (an empty state when there is none).
  static Result<Service> open(Store store);

  const State& state() const { return state_; }
  int64_t revision() const { return revision_; }

  // The record of kind k with this id if `who` may see it, else null.
  const json* visible(Kind k, const std::string& id, const Identity& who) const;
  // A 404 fault for a resource of kind k, in Octavia's words.
  static Fault missing(Kind k, const std::string& id);

  // `body` is the inner object ({"member": {...}} -> {...}); for members,
  // `parent_id` is the pool in the path.
  Outcome<Change> create(Kind k, const json& body, const Identity& who, const std::string& parent_id = {});
  Outcome<Change> update(Kind k, const std::string& id, const json& body, const Identity& who);
  // A load balancer with children needs `cascade`.
  Outcome<Change> remove(Kind k, const std::string& id, const Identity& who, bool cascade = false);

  // Makes the state of revision n current again, as a new revision. Admin only.
  Outcome<Change> rollback(int64_t n, const Identity& who);

  Store& store() { return store_; }

  // Chooses the node group of load balancer `lb_id` in `next` (placement.h);
  // called when a load balancer or a listener is created.
  using Placer = std::function<Checked(State& next, const std::string& lb_id)>;
  void set_placer(Placer placer) { placer_ = std::move(placer); }
  // Called after every committed revision (statuses, waiting long polls).
  using CommitHook = std::function<void(const State& before, const State& after, int64_t revision)>;
  void on_commit(CommitHook hook) { on_commit_ = std::move(hook); }
  // Places the load balancers that have no group yet (created before any
  // agent registered) where a group can serve them, as one revision by
  // `who`; revision 0 when there was nothing to place.
  Outcome<Change> place_unplaced(const Identity& who);

 private:
  Service(Store store, State state, int64_t revision)
      : store_(std::move(store)), state_(std::move(state)), revision_(revision) {}

  Outcome<Change> commit(State next, const std::string& id, std::string summary, const Identity& who,
                         std::optional<int64_t> rollback_of = std::nullopt);
  Checked check_references(Kind k, const json& record, const std::string& id, const State& s) const;

  Store store_;
  Placer placer_;
  CommitHook on_commit_;
  State state_;
  int64_t revision_ = 0;
};

// A new random (version 4) UUID.
std::string new_uuid();
// Now in UTC, as Octavia prints times: "2026-12-01T18:00:00".
std::string utc_now();

}  // namespace xlb::controller
