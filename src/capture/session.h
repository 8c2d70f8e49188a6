// A capture session: `xlb l4 capture` (and the fixtures) turn capture on with
// a filter, read the records of this session, and turn it off again, also
// when they leave by an error or a signal (the destructor). While on, the
// session must renew() its lease: a command killed with SIGKILL leaves a
// capture that ends by itself within one lease (abi.h, "Packet capture").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "bpf/map.h"
#include "capture/record.h"
#include "common/net.h"
#include "common/result.h"

struct ring_buffer;

namespace xlb::capture {

inline constexpr uint32_t kDefaultSnaplen = 256;  // every header the balancer looks at, with room to spare
inline constexpr std::chrono::milliseconds kDefaultLease{2000};

struct Filter {
  std::optional<IpAddr> vip;
  uint16_t vip_port = 0;  // host order; 0: any
  uint8_t vip_proto = 0;  // IPPROTO_TCP / IPPROTO_UDP; 0: any
  std::optional<IpAddr> backend;
  bool drops = false;                   // dropped packets only
  std::optional<uint32_t> drop_reason;  // dropped for this reason only
  uint32_t sample = 1;                  // 1 in `sample` matching packets
  uint32_t snaplen = kDefaultSnaplen;   // 1..XLB_CAPTURE_SNAP_MAX
  uint32_t budget = 100;                // packets per CPU
};

// The map value for `filter` (checked: snaplen, sample, budget).
Result<xlb_capture_cfg> capture_cfg(const Filter& filter, uint32_t session, uint64_t deadline_ns);

class Session {
 public:
  using Sink = std::function<void(const Record&)>;

  // Refuses when another session's lease still runs; drops records left in
  // the ring by earlier sessions; then turns capture on. `sink` gets every
  // record of this session, in ring order, from poll().
  static Result<std::unique_ptr<Session>> start(const bpf::Map& cfg, const bpf::Map& ring, const Filter& filter,
                                                Sink sink, std::chrono::milliseconds lease = kDefaultLease);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Pushes the lease out again; call at least every lease / 2.
  Status renew();
  // Waits up to timeout_ms for records and hands them to the sink; returns
  // how many. A signal cuts the wait short (0 records).
  Result<size_t> poll(int timeout_ms);
  // Turns capture off (idempotent). Records already in the ring can still be polled.
  Status stop();

  uint32_t id() const { return id_; }
  // Records skipped: of other sessions, or malformed.
  uint64_t skipped() const { return skipped_; }

 private:
  Session(bpf::Map cfg, xlb_capture_cfg value, Sink sink, std::chrono::milliseconds lease)
      : cfg_map_(std::move(cfg)), value_(value), sink_(std::move(sink)), lease_(lease), id_(value.session) {}
  static int on_record(void* ctx, void* data, size_t size);
  Status write_cfg(uint64_t deadline_ns);

  bpf::Map cfg_map_;
  xlb_capture_cfg value_{};
  Sink sink_;
  std::chrono::milliseconds lease_;
  uint32_t id_ = 0;
  ring_buffer* ring_ = nullptr;
  bool on_ = false;
  bool draining_ = true;  // before the start: everything in the ring is old
  size_t delivered_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace xlb::capture
