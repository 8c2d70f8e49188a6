// The backend's decapsulation BPF object (RAII over its skeleton).
#pragma once

#include <memory>
#include <string>

#include <vector>

#include "bpf/map.h"
#include "common/net.h"
#include "common/result.h"

struct xlb_decap;

namespace xlb::bpf {

class DecapProgram {
 public:
  // pin_dir empty: private maps. Otherwise maps are pinned there and reused,
  // so a second `xlb backend prepare` edits the running program's VIP set.
  // With `allowed_sources`, tunnelled packets are accepted only from outer
  // sources inside those prefixes (the L4 nodes' encap prefixes); the list
  // replaces any earlier one.
  static Result<std::unique_ptr<DecapProgram>> load(const std::string& pin_dir,
                                                    const std::vector<Prefix>& allowed_sources = {});
  ~DecapProgram();
  DecapProgram(const DecapProgram&) = delete;
  DecapProgram& operator=(const DecapProgram&) = delete;

  int prog_fd() const;
  // The tc egress program that lowers the MSS of the VIPs' SYN-ACKs.
  int mss_clamp_prog_fd() const;
  Map vips() const;
  Map counters() const;
  Map allowed_sources() const;
  Map mss_clamp() const;           // one xlb_mss_clamp
  Map mss_counters() const;        // per-CPU, by xlb_mss_counter_id
  void unpin_all() const;

  static constexpr const char* kProgramName = "xlb_decap";

 private:
  explicit DecapProgram(xlb_decap* skel) : skel_(skel) {}
  xlb_decap* skel_;
};

}  // namespace xlb::bpf
