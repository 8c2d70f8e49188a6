// The L4 balancer's BPF object: RAII over the bpftool skeleton. Load-time
// parameters go into rodata and map sizes before load; maps are reached
// through the skeleton, never by name strings.
#pragma once

#include <memory>
#include <string>

#include "bpf/map.h"
#include "common/result.h"
#include "xlb/abi.h"

struct xlb_l4;  // the generated skeleton

namespace xlb::bpf {

enum class PinMode {
  None,        // private maps (fixtures, benchmarks)
  All,         // every map pinned in pin_dir; reused when already there (the agent)
  ConfigOnly,  // reuse the agent's pinned config maps, private counters (explain)
};

struct L4LoadOptions {
  xlb_params params{};
  std::string pin_dir;
  PinMode pin_mode = PinMode::None;
};

// Sensible defaults, for tests and tools.
xlb_params default_params();

// Backend ids run to twice max_backends (id 0 reserved): a new backend gets
// its id before the ring that used the old one is flipped away, so even
// replacing every backend in one apply never runs out.
inline uint32_t backend_id_limit(const xlb_params& p) { return p.max_backends * 2; }

// How many (VIP, backend) pairs xlb_vipbe_v2 holds: one per backend id.
inline uint64_t vip_backend_capacity(const xlb_params& p) { return p.max_backends; }

class L4Program {
 public:
  static Result<std::unique_ptr<L4Program>> load(const L4LoadOptions& options);
  ~L4Program();
  L4Program(const L4Program&) = delete;
  L4Program& operator=(const L4Program&) = delete;

  int prog_fd() const;
  const xlb_params& params() const { return params_; }

  Map vips() const;
  Map vip_addrs() const;
  Map rings() const;
  Map backends() const;
  Map vip_backends() const;
  Map node_cfg() const;
  Map params_map() const;
  Map tx_ports() const;
  Map counters() const;
  Map vip_stats() const;
  Map backend_stats() const;
  Map sessions() const;
  Map flood() const;
  Map vip_limits() const;
  Map vip_buckets() const;
  Map vip_acl() const;
  Map vip_filter() const;
  Map capture_cfg() const;   // xlb_capture_v2: what `xlb l4 capture` wants, and its lease
  Map capture_ring() const;  // xlb_capring_v2: the capture records

  // Removes the pins of every map (clean shutdown).
  void unpin_all() const;

  static constexpr const char* kProgramName = "xlb_l4";

 private:
  L4Program(xlb_l4* skel, xlb_params params, std::string pin_dir)
      : skel_(skel), params_(params), pin_dir_(std::move(pin_dir)) {}
  xlb_l4* skel_;
  xlb_params params_;
  std::string pin_dir_;  // set when this instance owns the pins (PinMode::All)
};

// Reads the parameters an agent pinned in `pin_dir` (for tools that must
// build an identical instance). Fails clearly when no agent state is there.
Result<xlb_params> read_pinned_params(const std::string& pin_dir);

}  // namespace xlb::bpf
