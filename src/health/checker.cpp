#include "health/checker.h"

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "health/probe.h"

namespace xlb::health {

// One target's state. Owned by the checker's map; handlers hold weak_ptrs, so a
// timer or probe that completes after the target was removed (or the checker
// destroyed) finds nothing and does nothing.
struct Checker::State {
  State(boost::asio::io_context& io, Target t) : target(std::move(t)), timer(io) {}
  Target target;
  TargetStatus status;
  bool removed = false;
  std::chrono::steady_clock::time_point started;  // of the latest probe
  boost::asio::steady_timer timer;                // until the next probe is due
  std::shared_ptr<Probe> probe;                   // while one runs
};

Checker::Checker(boost::asio::io_context& io, std::function<void(const Transition&)> on_change,
                 size_t max_in_flight)
    : io_(io), on_change_(std::move(on_change)), max_in_flight_(std::max<size_t>(1, max_in_flight)) {}

Checker::~Checker() { stop(); }

void Checker::set_targets(std::vector<Target> targets) {
  if (stopped_) return;
  std::map<Target, std::shared_ptr<State>> next;
  std::vector<std::shared_ptr<State>> started;
  for (auto& t : targets) {
    if (next.contains(t)) continue;
    auto it = targets_.find(t);
    if (it != targets_.end()) {
      next.emplace(t, std::move(it->second));  // kept: state and counters carry over
      targets_.erase(it);
    } else {
      auto s = std::make_shared<State>(io_, t);
      next.emplace(std::move(t), s);
      started.push_back(std::move(s));
    }
  }
  auto removed = std::exchange(targets_, std::move(next));
  // Mark them all before cancelling any, so a freed slot never goes to one of them.
  for (auto& [t, s] : removed) s->removed = true;
  for (auto& [t, s] : removed) remove(s);
  std::erase_if(waiting_, [](const std::weak_ptr<State>& w) {
    auto s = w.lock();
    return !s || s->removed;
  });
  for (auto& s : started) want_probe(s);  // new targets are probed at once
  fill_slots();
}

std::optional<TargetStatus> Checker::status(const Target& t) const {
  auto it = targets_.find(t);
  if (it == targets_.end()) return std::nullopt;
  return it->second->status;
}

std::optional<Health> Checker::health(const Target& t) const {
  auto s = status(t);
  if (!s) return std::nullopt;
  return s->health;
}

void Checker::stop() {
  stopped_ = true;
  waiting_.clear();
  auto all = std::move(targets_);
  targets_.clear();
  for (auto& [t, s] : all) s->removed = true;
  for (auto& [t, s] : all) remove(s);
}

void Checker::remove(const std::shared_ptr<State>& s) {
  s->removed = true;
  s->timer.cancel();
  if (s->probe) {
    s->probe->cancel();  // closes its socket now; its result is dropped
    s->probe.reset();
    --in_flight_;
  }
}

void Checker::want_probe(const std::shared_ptr<State>& s) {
  s->status.probing = true;
  waiting_.push_back(s);
}

void Checker::fill_slots() {
  while (!stopped_ && in_flight_ < max_in_flight_ && !waiting_.empty()) {
    auto s = waiting_.front().lock();
    waiting_.pop_front();
    if (s && !s->removed) launch(s);
  }
}

void Checker::launch(const std::shared_ptr<State>& s) {
  const Target& t = s->target;
  std::shared_ptr<Probe> probe;
  if (!t.address.is_v4() && !t.address.is_v6()) {
    probe = make_failed_probe(io_, "no address to probe");
  } else if (t.spec.type == CheckType::Tcp) {
    probe = make_tcp_probe(io_, t);
  } else if (t.spec.type == CheckType::Udp) {
    probe = make_udp_probe(io_, t);
  } else if (t.spec.type == CheckType::Ping) {
    probe = make_ping_probe(io_, t);
  } else if (t.spec.type == CheckType::Http) {
    probe = make_http_probe(io_, t, nullptr);
  } else {
    std::string error;
    auto tls = tls_context(error);
    probe = tls ? make_http_probe(io_, t, std::move(tls)) : make_failed_probe(io_, "TLS setup failed: " + error);
  }
  ++in_flight_;
  s->started = std::chrono::steady_clock::now();
  s->probe = probe;
  probe->start(t.spec.timeout, [this, weak = std::weak_ptr<State>(s)](ProbeResult r) {
    if (auto s = weak.lock()) on_result(s, r.ok, std::move(r.reason));
  });
}

void Checker::on_result(const std::shared_ptr<State>& s, bool ok, std::string reason) {
  s->probe.reset();
  --in_flight_;
  TargetStatus& st = s->status;
  ++st.probes;
  st.last_reason = reason;
  bool changed = false;
  if (st.probes == 1) {
    // The first result decides alone: a dead backend leaves the pool at once.
    changed = !ok;
    st.health = ok ? Health::Up : Health::Down;
    st.streak = 0;
  } else if (ok == (st.health == Health::Up)) {
    st.streak = 0;  // agrees with the current verdict
  } else {
    int needed = std::max(1, st.health == Health::Up ? s->target.spec.fall : s->target.spec.rise);
    if (++st.streak >= needed) {
      st.health = ok ? Health::Up : Health::Down;
      st.streak = 0;
      changed = true;
    }
  }
  schedule_next(s);
  fill_slots();
  // Last: on_change may call set_targets() or stop(), which can drop `s`'s
  // map entry; nothing here touches the checker after it.
  if (changed && on_change_) on_change_(Transition{s->target, st.health, std::move(reason)});
}

void Checker::schedule_next(const std::shared_ptr<State>& s) {
  s->status.probing = false;
  // Due `interval` after the previous start; already past if the probe took longer.
  s->timer.expires_at(s->started + s->target.spec.interval);
  s->timer.async_wait([this, weak = std::weak_ptr<State>(s)](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: removed or stopped
    auto s = weak.lock();
    if (!s || s->removed) return;
    want_probe(s);
    fill_slots();
  });
}

std::shared_ptr<boost::asio::ssl::context> Checker::tls_context(std::string& error) {
  if (tls_) return tls_;
  try {
    auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    // No verification: backends use self-signed certificates, and the check
    // asks whether the service answers, not who it is.
    ctx->set_verify_mode(boost::asio::ssl::verify_none);
    tls_ = std::move(ctx);
  } catch (const std::exception& e) {
    error = e.what();
  }
  return tls_;
}

}  // namespace xlb::health
