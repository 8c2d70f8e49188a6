#include "bpf/decap_program.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "bpf/pin_dir.h"
#include "xlb_decap.skel.h"

namespace xlb::bpf {

Result<std::unique_ptr<DecapProgram>> DecapProgram::load(const std::string& pin_dir) {
  xlb_decap* skel = xlb_decap__open();
  if (!skel) return errno_error("open the xlb_decap BPF object", errno);
  std::unique_ptr<DecapProgram> prog(new DecapProgram(skel));
  if (!pin_dir.empty()) {
    if (auto st = ensure_pin_dir(pin_dir); !st) return st.error();
    for (bpf_map* map : {skel->maps.xlb_dvips_v1, skel->maps.xlb_dcounters_v1}) {
      std::string path = pin_dir + "/" + bpf_map__name(map);
      if (int err = bpf_map__set_pin_path(map, path.c_str()); err) return errno_error("set pin path " + path, err);
    }
  }
  if (int err = xlb_decap__load(skel); err) {
    auto e = errno_error("load the xlb_decap BPF program", err);
    if (!pin_dir.empty())
      e.message += ". If the maps pinned in " + pin_dir + " come from an older xlb, run 'xlb backend reset' first";
    return e;
  }
  return prog;
}

DecapProgram::~DecapProgram() { xlb_decap__destroy(skel_); }

int DecapProgram::prog_fd() const { return bpf_program__fd(skel_->progs.xlb_decap); }
Map DecapProgram::vips() const { return Map(bpf_map__fd(skel_->maps.xlb_dvips_v1), "xlb_dvips_v1"); }
Map DecapProgram::counters() const { return Map(bpf_map__fd(skel_->maps.xlb_dcounters_v1), "xlb_dcounters_v1"); }

void DecapProgram::unpin_all() const {
  for (bpf_map* map : {skel_->maps.xlb_dvips_v1, skel_->maps.xlb_dcounters_v1}) {
    if (bpf_map__is_pinned(map)) bpf_map__unpin(map, nullptr);
  }
}

}  // namespace xlb::bpf
