#include "programs.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "bench_abi.h"
#include "xlb_bench_floors.skel.h"
#include "xlb_bench_l4.skel.h"
#include "xlb_bench_l4_fib.skel.h"
#include "xlb/flow_hash.h"

namespace xlb::bench {

Status WrapperMaps::configure(const WrapConfig& c) const {
  if (c.frame.empty() || c.frame.size() > XLB_BENCH_FRAME_MAX)
    return Error{"frame of " + std::to_string(c.frame.size()) + " bytes: the wrapper restores 1.." +
                 std::to_string(XLB_BENCH_FRAME_MAX)};
  if (c.restore_len < 1 || c.restore_len > c.frame.size())
    return Error{"restore_len " + std::to_string(c.restore_len) + " is outside the frame"};
  if (c.vary_count && c.vary_offset + 4 > c.restore_len)
    return Error{"the varied field must lie in the restored bytes"};
  auto f = std::make_unique<xlb_bench_frame>();  // 2 KiB: on the heap
  std::memset(f.get(), 0, sizeof(*f));
  f->len = static_cast<uint32_t>(c.frame.size());
  f->restore_len = c.restore_len;
  f->vary_offset = c.vary_offset;
  f->vary_base = c.vary_base;
  f->vary_count = c.vary_count;
  std::memcpy(f->bytes, c.frame.data(), c.frame.size());
  uint32_t zero = 0;
  return frame_.update(&zero, f.get());
}

Result<uint64_t> WrapperMaps::restore_failures() const {
  auto s = bpf::sum_percpu<xlb_bench_state>(state_, 0);
  if (!s) return s.error();
  return s->restore_failures;
}

namespace {

template <class Skel>
WrapperMaps maps_of(const Skel* skel) {
  return WrapperMaps(bpf::Map(bpf_map__fd(skel->maps.xlb_bench_frame), "xlb_bench_frame"),
                     bpf::Map(bpf_map__fd(skel->maps.xlb_bench_state), "xlb_bench_state"));
}

// The balancer's maps by name, to hand to the wrapper object, which
// declares the same ones (it compiles the same source).
std::vector<bpf::Map> shared_maps(const bpf::L4Program& p) {
  return {p.vips(),          p.vip_addrs(),     p.rings(),         p.backends(), p.vip_backends(),
          p.node_cfg(),      p.params_map(),    p.tx_ports(),      p.counters(), p.vip_stats(),
          p.backend_stats(), p.sessions(),      p.flood(),         p.vip_limits(), p.vip_buckets(),
          p.vip_acl(),       p.vip_filter()};
}

}  // namespace

template <class Skel>
Result<std::unique_ptr<WrappedBalancer>> WrappedBalancer::load_build(const bpf::L4Program& program,
                                                                    const WrapConfig& config) {
  Skel* skel = Skel::open();
  if (!skel) return errno_error("open the wrapped balancer BPF object", errno);
  std::unique_ptr<WrappedBalancer> w(new WrappedBalancer());
  w->destroy_ = [skel] { Skel::destroy(skel); };
  std::memcpy(const_cast<xlb_params*>(&skel->rodata->xlb_params), &program.params(), sizeof(xlb_params));
  // Maps the program's code does not reach from userspace (the ICMP budget)
  // stay the wrapper object's own; every configured one is shared.
  for (const bpf::Map& m : shared_maps(program)) {
    bpf_map* mine = bpf_object__find_map_by_name(skel->obj, m.name().c_str());
    if (!mine) return Error{"the wrapped balancer has no map " + m.name()};
    if (int err = bpf_map__reuse_fd(mine, m.fd()); err) return errno_error("share map " + m.name(), err);
  }
  bpf_program__set_autoload(skel->progs.xlb_l4_unwrapped, false);
  if (int err = Skel::load(skel); err) return errno_error("load the wrapped balancer", err);
  w->prog_fd_ = bpf_program__fd(skel->progs.xlb_bench_l4);
  w->maps_ = maps_of(skel);
  if (auto st = w->maps_.configure(config); !st) return st.error();
  return w;
}

Result<std::unique_ptr<WrappedBalancer>> WrappedBalancer::load(const bpf::L4Program& program, const WrapConfig& config,
                                                              Variant variant) {
  switch (variant) {
    case Variant::Production: return load_build<xlb_bench_l4>(program, config);
    case Variant::FibConstant: return load_build<xlb_bench_l4_fib>(program, config);
  }
  return Error{"unknown build variant"};
}

Result<std::unique_ptr<FloorSet>> FloorSet::load(const WrapConfig& config) {
  xlb_bench_floors* skel = xlb_bench_floors__open_and_load();
  if (!skel) return errno_error("load the floor BPF programs", errno);
  std::unique_ptr<FloorSet> f(new FloorSet(skel));
  f->maps_ = maps_of(skel);
  if (auto st = f->maps_.configure(config); !st) return st.error();
  return f;
}

FloorSet::~FloorSet() { xlb_bench_floors__destroy(skel_); }

int FloorSet::prog_fd(FloorKind kind, bool wrapped) const {
  const auto& p = skel_->progs;
  if (kind == FloorKind::Tx) return bpf_program__fd(wrapped ? p.xlb_bench_floor_tx : p.xlb_floor_tx);
  return bpf_program__fd(wrapped ? p.xlb_bench_floor_pass : p.xlb_floor_pass);
}

std::vector<FloorSet::Stage> FloorSet::stages() const {
  const auto& p = skel_->progs;
  return {
      {"fib_lookup_v4", "bpf_fib_lookup of an IPv4 backend (route via a neighbour)", bpf_program__fd(p.xlb_stage_fib4)},
      {"fib_lookup_v6", "bpf_fib_lookup of an IPv6 backend", bpf_program__fd(p.xlb_stage_fib6)},
      {"hash_lookup", "HASH map lookup, 20-byte key (as the VIP address and service maps)",
       bpf_program__fd(p.xlb_stage_hash)},
      {"lru_lookup", "LRU_HASH lookup with per-CPU lists, flow key (as the session cache)",
       bpf_program__fd(p.xlb_stage_lru)},
      {"flow_hash", "the flow hash over the 5-tuple", bpf_program__fd(p.xlb_stage_hash5)},
      {"ktime", "bpf_ktime_get_ns (UDP sessions, flood and ICMP budgets)", bpf_program__fd(p.xlb_stage_ktime)},
      {"adjust_head_x2", "bpf_xdp_adjust_head out by 20 bytes and back (2 calls)", bpf_program__fd(p.xlb_stage_head)},
  };
}

Status FloorSet::fill_stage_maps() const {
  // The keys floors.bpf.c builds (STAGE_KEY_WORD).
  xlb_vip_addr_key hkey{};
  hkey.addr.addr[0] = 1;
  hkey.family = XLB_FAMILY_V4;
  uint32_t hval = 1;
  xlb_flow fkey{};
  fkey.src[0] = 1;
  fkey.proto = IPPROTO_TCP;
  fkey.family = XLB_FAMILY_V4;
  xlb_session fval{};
  bpf::Map hash(bpf_map__fd(skel_->maps.xlb_stage_hash_map), "xlb_stage_hash_map");
  bpf::Map lru(bpf_map__fd(skel_->maps.xlb_stage_lru_map), "xlb_stage_lru_map");
  if (auto st = hash.update(&hkey, &hval); !st) return st;
  return lru.update(&fkey, &fval);
}

uint32_t FloorSet::action(FloorKind kind) { return kind == FloorKind::Tx ? XDP_TX : XDP_PASS; }

}  // namespace xlb::bench
