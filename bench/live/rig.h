// The live rig as the benchmark drives it: the generator (an XDP program run
// with BPF_PROG_TEST_RUN in live-frames mode, issued from inside the
// generator's namespace) and the sink's exact counter (an XDP program on the
// sink's veth). Trials, each bounded in packets and seconds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "frames.h"

struct xlb_bench_live;

namespace xlb::bench::live {

struct Trial {
  double target_pps = 0;  // 0: as fast as the generator goes
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t received_bytes = 0;
  double seconds = 0;     // wall time of the trial's one test-run call
  double offered_pps() const { return seconds > 0 ? sent / seconds : 0; }
  double forwarded_pps() const { return seconds > 0 ? received / seconds : 0; }
  uint64_t lost() const { return sent > received ? sent - received : 0; }
  double loss_ratio() const { return sent ? double(lost()) / double(sent) : 0; }
};

struct Where {
  std::string gen_netns, gen_dev;    // frames leave through gen_dev
  std::string sink_netns, sink_dev;  // and are counted on sink_dev
};

class Rig {
 public:
  // Loads the programs for `space`, attaches the counter to the sink
  // (replacing what was there) and enters the generator's namespace.
  static Result<std::unique_ptr<Rig>> open(const Where& where, const FlowSpace& space);
  ~Rig();

  // Sends for about `seconds` (at most `max_packets`) at `pps` (0: flat
  // out), then waits until the sink's count stops moving. One test run call
  // per trial: a call costs milliseconds to set up, so the frames of a trial
  // are never split over calls.
  Result<Trial> run(double pps, double seconds, uint64_t max_packets);

  // Frames the kernel sends per flush (the burst that reaches the veth ring
  // at once): paced, and flat out.
  static constexpr uint32_t kPacedBatch = 16;
  static constexpr uint32_t kBatch = 64;

 private:
  Rig() = default;
  Result<uint64_t> sink_packets(uint64_t* bytes) const;
  Status send(uint32_t frames, uint32_t batch);

  xlb_bench_live* skel_ = nullptr;
  int gen_ifindex_ = 0;
  std::string frame_;
  double flat_out_pps_ = 1e6;  // a first guess, then what the last flat-out trial reached
};

// Attaches the floor forwarder to `in_dev` of `netns`: frames get `dmac` and
// `out_dev`'s MAC and are redirected out of `out_dev`. It stays attached after
// the process exits.
Status attach_floor(const std::string& netns, const std::string& in_dev, const std::string& out_dev,
                    const std::string& dmac);

}  // namespace xlb::bench::live
