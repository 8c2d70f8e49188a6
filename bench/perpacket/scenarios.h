// The per-packet scenarios: what program shape, which packet, what the
// wrapper must put back, and the path every iteration must take (checked on
// the balancer's own counters after every timed run).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf/l4_program.h"
#include "bpf/xdp.h"
#include "l4/service.h"
#include "l4/tables.h"
#include "programs.h"

namespace xlb::bench {

// The namespace the benchmark runs in: one veth end with a route to the
// backends through a router whose MAC is known, so the FIB lookup in the
// balancer succeeds (fib_hit) and answers XDP_TX, as on a one-armed node.
struct Lab {
  int ifindex = 0;
  std::array<uint8_t, 6> node_mac{};
};
// Enters a network namespace of its own (the FIB then holds only what the
// benchmark puts there) and builds the lab in it.
Result<Lab> enter_lab();

struct ScenarioDef {
  std::string name;
  std::string what;  // one line for the table and the docs
  std::vector<uint32_t> frames;
  FloorKind baseline = FloorKind::Tx;
  xlb_params params{};
  std::vector<l4::ServiceSpec> services;
  l4::NodeSpec node;
  std::function<Bytes(uint32_t frame)> packet;
  bool restore_whole_frame = false;  // the path rewrites more than headers
  uint32_t vary_offset = 0, vary_base = 0, vary_count = 0;
  uint32_t warmup = 0;  // iterations run (untimed) before the first timed run
  // Each of these counters must grow by exactly `repeat` in a timed run, every
  // other counter of the balancer by 0, and the verdict must be `action`.
  uint32_t action = 0;
  std::vector<uint32_t> counters;
};

std::vector<ScenarioDef> scenario_defs(const Lab& lab);

// What the balancer rewrites of a frame it forwards: the original L2 header
// (the outer headers go in front of the original frame); the rest stays as
// the client sent it. 128 bytes is generous, and the restored frame is
// checked after every run.
inline constexpr uint32_t kRestoredHeaders = 128;

// Bytes of the frame the wrapper rewrites after each call: the headers the
// balancer touches, or everything when the path cuts the frame.
uint32_t restore_len(const ScenarioDef& def, uint32_t frame);
WrapConfig wrap_config(const ScenarioDef& def, uint32_t frame);

// The unmodified balancer at one frame size, inside its wrapper, with its
// maps filled by the real control path.
class ScenarioRun {
 public:
  static Result<std::unique_ptr<ScenarioRun>> create(const ScenarioDef& def, uint32_t frame, const Lab& lab,
                                                     Variant variant = Variant::Production);
  int run_fd() const { return wrapped_->prog_fd(); }
  const Bytes& packet() const { return packet_; }
  // Snapshot the counters before a timed run...
  Status before();
  // ... and after it: did every iteration take the scenario's path?
  Status check(const bpf::TestRunResult& r, uint32_t repeat);

 private:
  ScenarioRun() = default;
  Result<std::map<uint32_t, uint64_t>> read_counters() const;
  const ScenarioDef* def_ = nullptr;
  Bytes packet_;
  std::unique_ptr<bpf::L4Program> program_;
  std::unique_ptr<l4::Tables> tables_;
  std::unique_ptr<WrappedBalancer> wrapped_;
  std::map<uint32_t, uint64_t> before_;
};

// Shared by the scenario and floor checks: the wrapper put every frame back.
Status check_restored(const WrapperMaps& w, const Bytes& sent, const bpf::TestRunResult& r);

}  // namespace xlb::bench
