#include "capture/session.h"

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "l4/snapshot.h"

namespace xlb::capture {

namespace {

uint32_t new_session_id() {
  uint32_t id = 0;
  while (id == 0) {
    if (getrandom(&id, sizeof(id), 0) != sizeof(id)) id = static_cast<uint32_t>(l4::monotonic_now_ns());
  }
  return id;
}

}  // namespace

Result<xlb_capture_cfg> capture_cfg(const Filter& f, uint32_t session, uint64_t deadline_ns) {
  if (f.snaplen < 1 || f.snaplen > XLB_CAPTURE_SNAP_MAX)
    return Error{"snap length must be 1.." + std::to_string(XLB_CAPTURE_SNAP_MAX) + " bytes"};
  if (f.sample < 1) return Error{"sampling must keep 1 in K packets with K >= 1"};
  if (f.budget < 1) return Error{"the packet budget must be at least 1"};
  if (f.drop_reason && *f.drop_reason >= XLB_DROP_REASON_COUNT)
    return Error{"unknown drop reason " + std::to_string(*f.drop_reason)};
  xlb_capture_cfg c{};
  c.deadline_ns = deadline_ns;
  c.session = session;
  c.sample = f.sample;
  c.snaplen = f.snaplen;
  c.budget = f.budget;
  if (f.vip) {
    c.match |= XLB_CAPTURE_MATCH_VIP;
    c.vip = f.vip->to_abi();
    c.vip_family = f.vip->family;
    c.vip_port = htons(f.vip_port);
    c.vip_proto = f.vip_proto;
  }
  if (f.backend) {
    c.match |= XLB_CAPTURE_MATCH_BACKEND;
    c.backend = f.backend->to_abi();
    c.backend_family = f.backend->family;
  }
  if (f.drops) c.match |= XLB_CAPTURE_MATCH_DROPS;
  if (f.drop_reason) {
    c.match |= XLB_CAPTURE_MATCH_REASON;
    c.drop_reason = *f.drop_reason;
  }
  return c;
}

Result<std::unique_ptr<Session>> Session::start(const bpf::Map& cfg, const bpf::Map& ring, const Filter& filter,
                                                Sink sink, std::chrono::milliseconds lease) {
  auto value = capture_cfg(filter, new_session_id(), 0);
  if (!value) return value.error();

  uint32_t zero = 0;
  xlb_capture_cfg current{};
  if (auto found = cfg.lookup(&zero, &current); !found) return found.error();
  const uint64_t now = l4::monotonic_now_ns();
  if (current.deadline_ns > now)
    return Error{"another capture is running on this node (its lease ends in " +
                 std::to_string((current.deadline_ns - now) / 1000000) + " ms); wait for it to finish"};

  std::unique_ptr<Session> s(new Session(cfg, *value, std::move(sink), lease));
  s->ring_ = ring_buffer__new(ring.fd(), &Session::on_record, s.get(), nullptr);
  if (!s->ring_) return errno_error("read the capture ring " + ring.name(), errno);
  // Whatever is in the ring now is from earlier sessions: drop it, freeing the space.
  if (int n = ring_buffer__consume(s->ring_); n < 0) return errno_error("drain the capture ring", -n);
  s->draining_ = false;
  s->skipped_ = 0;
  if (auto st = s->renew(); !st) return st.error();
  return s;
}

Session::~Session() {
  (void)stop();
  if (ring_) ring_buffer__free(ring_);
}

Status Session::write_cfg(uint64_t deadline_ns) {
  uint32_t zero = 0;
  xlb_capture_cfg v = value_;
  v.deadline_ns = deadline_ns;
  if (deadline_ns == 0) v = xlb_capture_cfg{};  // off: every field back to zero
  return cfg_map_.update(&zero, &v);
}

Status Session::renew() {
  const auto lease_ns = static_cast<uint64_t>(std::chrono::nanoseconds(lease_).count());
  if (auto st = write_cfg(l4::monotonic_now_ns() + lease_ns); !st) return st.error();
  on_ = true;
  return {};
}

Status Session::stop() {
  if (!on_) return {};
  on_ = false;
  // Only our own session: if our lease ran out (the command was stopped for
  // a while) and another capture started, it is not ours to end.
  uint32_t zero = 0;
  xlb_capture_cfg current{};
  if (auto found = cfg_map_.lookup(&zero, &current); !found) return found.error();
  if (current.session != id_) return {};
  return write_cfg(0);
}

int Session::on_record(void* ctx, void* data, size_t size) {
  auto* s = static_cast<Session*>(ctx);
  if (s->draining_) return 0;
  auto r = parse_record(data, size);
  if (!r || r->session != s->id_) {
    ++s->skipped_;
    return 0;
  }
  ++s->delivered_;
  s->sink_(*r);
  return 0;
}

Result<size_t> Session::poll(int timeout_ms) {
  delivered_ = 0;
  int n = ring_buffer__poll(ring_, timeout_ms);
  if (n < 0 && n != -EINTR) return errno_error("read the capture ring", -n);
  return delivered_;
}

}  // namespace xlb::capture
