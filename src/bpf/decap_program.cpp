#include "bpf/decap_program.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "bpf/pin_dir.h"
#include "xlb_decap.skel.h"

namespace xlb::bpf {

namespace {

xlb_lpm_key lpm_key_of(const Prefix& p) {
  xlb_lpm_key k{};
  k.prefixlen = 32 + p.length;  // the family word, then the address bits
  k.family = p.addr.family;
  auto a = p.addr.to_abi();
  std::memcpy(k.addr, a.addr, sizeof(k.addr));
  return k;
}

// The allowed-source trie holds exactly `sources` afterwards.
Status replace_sources(const Map& trie, const std::vector<Prefix>& sources) {
  auto keys = trie.keys(sizeof(xlb_lpm_key));
  if (!keys) return keys.error();
  for (const auto& raw : *keys) {
    if (auto st = trie.erase(raw.data()); !st) return st;
  }
  uint32_t one = 1;
  for (const auto& p : sources) {
    auto k = lpm_key_of(p);
    if (auto st = trie.update(&k, &one); !st) return st.error().context("allow encap source " + p.str());
  }
  return {};
}

std::vector<bpf_map*> pinned_maps(xlb_decap* skel) {
  return {skel->maps.xlb_dvips_v2, skel->maps.xlb_dcounters_v2, skel->maps.xlb_dsrc_v2, skel->maps.xlb_dmss_v2,
          skel->maps.xlb_dmsscnt_v2};
}

}  // namespace

Result<std::unique_ptr<DecapProgram>> DecapProgram::load(const std::string& pin_dir,
                                                         const std::vector<Prefix>& allowed_sources) {
  xlb_decap* skel = xlb_decap__open();
  if (!skel) return errno_error("open the xlb_decap BPF object", errno);
  std::unique_ptr<DecapProgram> prog(new DecapProgram(skel));
  skel->rodata->check_outer_source = allowed_sources.empty() ? 0 : 1;
  if (!pin_dir.empty()) {
    if (auto st = ensure_pin_dir(pin_dir); !st) return st.error();
    for (bpf_map* map : pinned_maps(skel)) {
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
  if (auto st = replace_sources(prog->allowed_sources(), allowed_sources); !st) return st.error();
  return prog;
}

DecapProgram::~DecapProgram() { xlb_decap__destroy(skel_); }

int DecapProgram::prog_fd() const { return bpf_program__fd(skel_->progs.xlb_decap); }
int DecapProgram::mss_clamp_prog_fd() const { return bpf_program__fd(skel_->progs.xlb_mss_clamp); }
Map DecapProgram::vips() const { return Map(bpf_map__fd(skel_->maps.xlb_dvips_v2), "xlb_dvips_v2"); }
Map DecapProgram::counters() const { return Map(bpf_map__fd(skel_->maps.xlb_dcounters_v2), "xlb_dcounters_v2"); }
Map DecapProgram::allowed_sources() const { return Map(bpf_map__fd(skel_->maps.xlb_dsrc_v2), "xlb_dsrc_v2"); }
Map DecapProgram::mss_clamp() const { return Map(bpf_map__fd(skel_->maps.xlb_dmss_v2), "xlb_dmss_v2"); }
Map DecapProgram::mss_counters() const { return Map(bpf_map__fd(skel_->maps.xlb_dmsscnt_v2), "xlb_dmsscnt_v2"); }

void DecapProgram::unpin_all() const {
  for (bpf_map* map : pinned_maps(skel_)) {
    if (bpf_map__is_pinned(map)) bpf_map__unpin(map, nullptr);
  }
}

}  // namespace xlb::bpf
