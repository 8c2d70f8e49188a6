// The backend's decapsulation BPF object (RAII over its skeleton).
#pragma once

#include <memory>
#include <string>

#include "bpf/map.h"
#include "common/result.h"

struct xlb_decap;

namespace xlb::bpf {

class DecapProgram {
 public:
  // pin_dir empty: private maps. Otherwise maps are pinned there and reused,
  // so a second `xlb backend prepare` edits the running program's VIP set.
  static Result<std::unique_ptr<DecapProgram>> load(const std::string& pin_dir);
  ~DecapProgram();
  DecapProgram(const DecapProgram&) = delete;
  DecapProgram& operator=(const DecapProgram&) = delete;

  int prog_fd() const;
  Map vips() const;
  Map counters() const;
  void unpin_all() const;

  static constexpr const char* kProgramName = "xlb_decap";

 private:
  explicit DecapProgram(xlb_decap* skel) : skel_(skel) {}
  xlb_decap* skel_;
};

}  // namespace xlb::bpf
