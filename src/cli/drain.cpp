#include "cli/drain.h"

#include <thread>

#include "config/admin_state.h"
#include "l4/map_set.h"
#include "l4/tables.h"

namespace xlb::cli {

namespace {

// The (service, backend) pair in the running data plane, or why it is not there.
Result<std::pair<l4::ServiceKey, IpAddr>> find_pair(const l4::Tables& tables, const std::string& vip,
                                                    const IpAddr& backend) {
  std::string known;
  for (const auto& [key, svc] : tables.services()) {
    if (key.str() != vip) {
      known += (known.empty() ? "" : ", ") + key.str();
      continue;
    }
    for (const auto& b : svc.spec.backends)
      if (b.address == backend) return std::pair{key, backend};
    return Error{"backend " + backend.str() + " is not in " + vip};
  }
  return Error{"no VIP service " + vip + " on this node (it serves: " + (known.empty() ? "none" : known) + ")"};
}

Result<l4::BackendState> live_state(const l4::MapSet& maps, const l4::ServiceKey& key, const IpAddr& backend) {
  auto tables = l4::Tables::recover(maps);
  if (!tables) return tables.error();
  auto it = tables->services().find(key);
  if (it == tables->services().end()) return Error{"VIP service " + key.str() + " went away"};
  for (const auto& b : it->second.spec.backends)
    if (b.address == backend) return b.state;
  return Error{"backend " + backend.str() + " left " + key.str()};
}

}  // namespace

Result<std::string> drain(const DrainRequest& r) {
  auto backend = IpAddr::parse(r.backend);
  if (!backend) return backend.error().context("backend");
  auto pinned = l4::PinnedMapSet::open(r.pin_dir);
  if (!pinned) return pinned.error();
  auto tables = l4::Tables::recover((*pinned)->maps());
  if (!tables) return tables.error();
  auto pair = find_pair(*tables, r.vip, *backend);
  if (!pair) return pair.error();

  auto admin = config::load_admin_state(r.admin_state_file);
  if (!admin) return admin.error();
  if (r.drain)
    admin->backends[{r.vip, *backend}] = config::BackendState::Draining;
  else
    admin->backends.erase({r.vip, *backend});
  if (auto st = config::save_admin_state(r.admin_state_file, *admin); !st) return st.error();

  // The agent notices the file within a second and applies it; wait for the maps to say so.
  auto done = [&](l4::BackendState s) {
    return r.drain ? s != l4::BackendState::Active : s != l4::BackendState::Draining;
  };
  const auto deadline = std::chrono::steady_clock::now() + r.wait;
  for (;;) {
    auto state = live_state((*pinned)->maps(), pair->first, *backend);
    if (!state) return state.error();
    if (done(*state)) return std::string(l4::backend_state_name(*state));
    if (std::chrono::steady_clock::now() > deadline)
      return Error{std::string("recorded in ") + r.admin_state_file + ", but the data plane still shows " +
                   l4::backend_state_name(*state) + " after " + std::to_string(r.wait.count() / 1000) +
                   " s: is the agent running with node.admin_state_file " + r.admin_state_file +
                   (r.drain ? "?" : "? (or does its config file itself say state: draining?)")};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace xlb::cli
