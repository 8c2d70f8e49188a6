// The BPF objects the per-packet benchmark runs: the production balancer
// inside the bench wrapper (wrap_l4.bpf.c), and the floors, bare and wrapped
// (floors.bpf.c). See wrap.h for why a wrapper at all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "bpf/l4_program.h"
#include "bpf/map.h"
#include "common/result.h"

struct bpf_object;
struct xlb_bench_floors;

namespace xlb::bench {

using Bytes = std::vector<uint8_t>;

// What the wrapper puts back after each call, and what it varies before.
struct WrapConfig {
  Bytes frame;
  uint32_t restore_len = 0;  // bytes of `frame` rewritten every iteration
  uint32_t vary_offset = 0;  // see struct xlb_bench_frame
  uint32_t vary_base = 0;
  uint32_t vary_count = 0;   // 0: the same frame every iteration
};

// The two maps of every wrapper object (wrap.h).
class WrapperMaps {
 public:
  WrapperMaps() = default;
  WrapperMaps(bpf::Map frame, bpf::Map state) : frame_(std::move(frame)), state_(std::move(state)) {}
  Status configure(const WrapConfig& config) const;
  // Iterations whose frame could not be put back (or varied); must stay 0.
  Result<uint64_t> restore_failures() const;

 private:
  bpf::Map frame_, state_;
};

// Builds of the wrapped balancer: the production code, or a variant with one
// stage replaced by a constant, to measure what that stage costs.
enum class Variant {
  Production,
  FibConstant,  // bpf_fib_lookup answered by a constant (a cached next hop)
};

// The balancer in its wrapper, sharing the maps of `program` (a loaded
// L4Program whose maps l4::Tables fills).
class WrappedBalancer {
 public:
  static Result<std::unique_ptr<WrappedBalancer>> load(const bpf::L4Program& program, const WrapConfig& config,
                                                      Variant variant = Variant::Production);
  ~WrappedBalancer() { destroy_(); }
  WrappedBalancer(const WrappedBalancer&) = delete;
  WrappedBalancer& operator=(const WrappedBalancer&) = delete;
  int prog_fd() const { return prog_fd_; }
  const WrapperMaps& wrapper() const { return maps_; }

 private:
  template <class Skel>
  static Result<std::unique_ptr<WrappedBalancer>> load_build(const bpf::L4Program& program, const WrapConfig& config);
  WrappedBalancer() = default;
  std::function<void()> destroy_ = [] {};
  int prog_fd_ = -1;
  WrapperMaps maps_;
};

enum class FloorKind { Tx, Pass };

// Both floors, bare and wrapped, with one wrapper configuration.
class FloorSet {
 public:
  static Result<std::unique_ptr<FloorSet>> load(const WrapConfig& config);
  ~FloorSet();
  FloorSet(const FloorSet&) = delete;
  FloorSet& operator=(const FloorSet&) = delete;
  int prog_fd(FloorKind kind, bool wrapped) const;
  const WrapperMaps& wrapper() const { return maps_; }
  // The XDP_TX floor plus one primitive of the balancer's path.
  struct Stage {
    const char* name;
    const char* what;
    int prog_fd;
  };
  std::vector<Stage> stages() const;
  // Puts the keys the stage lookups look for in their maps.
  Status fill_stage_maps() const;
  static uint32_t action(FloorKind kind);  // XDP_TX or XDP_PASS

 private:
  explicit FloorSet(xlb_bench_floors* skel) : skel_(skel) {}
  xlb_bench_floors* skel_;
  WrapperMaps maps_;
};

}  // namespace xlb::bench
