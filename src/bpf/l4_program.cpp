#include "bpf/l4_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "bpf/pin_dir.h"
#include "xlb_l4.skel.h"

namespace xlb::bpf {

namespace {

// Maps that hold configuration (as opposed to counters and sessions).
bool is_config_map(const xlb_l4* skel, const bpf_map* map) {
  const bpf_map* config[] = {skel->maps.xlb_vips_v2,    skel->maps.xlb_vip_addrs_v2, skel->maps.xlb_rings_v2,
                             skel->maps.xlb_backends_v2, skel->maps.xlb_vipbe_v2,     skel->maps.xlb_node_cfg_v2,
                             skel->maps.xlb_params_v2,  skel->maps.xlb_tx_ports_v2,   skel->maps.xlb_viplimit_v2,
                             skel->maps.xlb_vipacl_v2,  skel->maps.xlb_vipfilter_v2};
  return std::find(std::begin(config), std::end(config), map) != std::end(config);
}

Status check_params(const xlb_params& p) {
  if (p.ring_size < 7) return Error{"ring_size " + std::to_string(p.ring_size) + " is too small"};
  if (p.max_vips == 0 || p.max_backends < 2 || p.max_backends > (1u << 20))
    return Error{"max_vips must be >= 1 and max_backends in 2..1048576"};
  uint64_t ring_entries = uint64_t(p.max_vips + XLB_SPARE_RINGS) * p.ring_size;
  if (ring_entries > 0xffffffffull)
    return Error{"max_vips x ring_size = " + std::to_string(ring_entries) + " ring entries is beyond what one map holds"};
  return {};
}

// With per-CPU LRU lists the kernel rounds the size up to a multiple of the
// CPU count; ask for exactly that, or a restarted agent's libbpf would find
// the pinned map's size different from the one it asks for and refuse it.
// A cache that is off (0) still needs a valid map: one entry per CPU.
uint64_t session_map_entries(const xlb_params& p) {
  const uint64_t cpus = static_cast<uint64_t>(possible_cpus());
  const uint64_t wanted = std::max<uint64_t>(p.session_cache_size, 1);
  return (wanted + cpus - 1) / cpus * cpus;
}

Status size_maps(xlb_l4* skel, const xlb_params& p) {
  struct Size {
    bpf_map* map;
    uint64_t entries;
  };
  const Size sizes[] = {
      {skel->maps.xlb_vips_v2, p.max_vips},
      {skel->maps.xlb_vip_addrs_v2, p.max_vips},
      {skel->maps.xlb_rings_v2, uint64_t(p.max_vips + XLB_SPARE_RINGS) * p.ring_size},
      {skel->maps.xlb_backends_v2, backend_id_limit(p)},
      {skel->maps.xlb_vipbe_v2, vip_backend_capacity(p)},
      {skel->maps.xlb_vipstat_v2, p.max_vips},
      {skel->maps.xlb_viplimit_v2, p.max_vips},
      {skel->maps.xlb_vipbucket_v2, p.max_vips},
      {skel->maps.xlb_bestat_v2, backend_id_limit(p)},
      {skel->maps.xlb_nhcache_v2, backend_id_limit(p)},
      {skel->maps.xlb_sessions_v2, session_map_entries(p)},
  };
  for (const auto& s : sizes) {
    if (int err = bpf_map__set_max_entries(s.map, static_cast<uint32_t>(s.entries)); err)
      return errno_error(std::string("size map ") + bpf_map__name(s.map), err);
  }
  return {};
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

Status set_pins(xlb_l4* skel, const L4LoadOptions& o) {
  bpf_map* map;
  bpf_object__for_each_map(map, skel->obj) {
    if (bpf_map__is_internal(map)) continue;  // .rodata is per program instance
    std::string name = bpf_map__name(map);
    bool pin = o.pin_mode == PinMode::All || (o.pin_mode == PinMode::ConfigOnly && is_config_map(skel, map));
    if (!pin) continue;
    std::string path = o.pin_dir + "/" + name;
    if (o.pin_mode == PinMode::ConfigOnly && !exists(path))
      return Error{"no pinned map " + path + ": is an xlb agent running with pin_dir " + o.pin_dir + "?"};
    if (map == skel->maps.xlb_tx_ports_v2 && exists(path)) {
      // The kernel adds BPF_F_RDONLY_PROG to every devmap it creates, so
      // libbpf's flag comparison would refuse the pin: take it over by fd.
      int fd = bpf_obj_get(path.c_str());
      if (fd < 0) return errno_error("open pinned map " + path, errno);
      int err = bpf_map__reuse_fd(map, fd);
      ::close(fd);
      if (err) return errno_error("reuse pinned map " + path, err);
      continue;
    }
    if (int err = bpf_map__set_pin_path(map, path.c_str()); err) return errno_error("set pin path " + path, err);
  }
  return {};
}

}  // namespace

xlb_params default_params() {
  xlb_params p{};
  p.ring_size = 65537;
  p.hash_seed = 0x5eed1234;
  p.max_vips = 64;
  p.max_backends = 4096;
  p.outer_ttl = 64;
  p.abi_version = XLB_ABI_VERSION;
  p.session_cache_size = 262144;
  p.udp_idle_timeout_s = 30;
  return p;
}

Result<std::unique_ptr<L4Program>> L4Program::load(const L4LoadOptions& o) {
  xlb_params params = o.params;
  params.abi_version = XLB_ABI_VERSION;
  if (auto st = check_params(params); !st) return st.error();
  if (o.pin_mode == PinMode::All) {
    if (auto st = ensure_pin_dir(o.pin_dir); !st) return st.error();
  }

  xlb_l4* skel = xlb_l4__open();
  if (!skel) return errno_error("open the xlb_l4 BPF object", errno);
  std::unique_ptr<L4Program> prog(new L4Program(skel, params, o.pin_mode == PinMode::All ? o.pin_dir : ""));

  std::memcpy(const_cast<xlb_params*>(&skel->rodata->xlb_params), &params, sizeof(params));
  if (auto st = size_maps(skel, params); !st) return st.error();
  if (o.pin_mode != PinMode::None) {
    if (auto st = set_pins(skel, o); !st) return st.error();
  }
  if (int err = xlb_l4__load(skel); err) {
    auto e = errno_error("load the xlb_l4 BPF program", err);
    if (o.pin_mode != PinMode::None)
      e.message += ". If maps pinned in " + o.pin_dir +
                   " come from an older layout or other sizes (ring_size, max_vips, max_backends), "
                   "stop the agent with on_exit: detach or remove that directory";
    return e;
  }
  uint32_t zero = 0;
  if (auto st = prog->params_map().update(&zero, &params); !st) return st.error();
  return prog;
}

L4Program::~L4Program() { xlb_l4__destroy(skel_); }

int L4Program::prog_fd() const { return bpf_program__fd(skel_->progs.xlb_l4); }

#define XLB_MAP_ACCESSOR(method, field) \
  Map L4Program::method() const { return Map(bpf_map__fd(skel_->maps.field), #field); }
XLB_MAP_ACCESSOR(vips, xlb_vips_v2)
XLB_MAP_ACCESSOR(vip_addrs, xlb_vip_addrs_v2)
XLB_MAP_ACCESSOR(rings, xlb_rings_v2)
XLB_MAP_ACCESSOR(backends, xlb_backends_v2)
XLB_MAP_ACCESSOR(vip_backends, xlb_vipbe_v2)
XLB_MAP_ACCESSOR(node_cfg, xlb_node_cfg_v2)
XLB_MAP_ACCESSOR(params_map, xlb_params_v2)
XLB_MAP_ACCESSOR(tx_ports, xlb_tx_ports_v2)
XLB_MAP_ACCESSOR(counters, xlb_counters_v2)
XLB_MAP_ACCESSOR(vip_stats, xlb_vipstat_v2)
XLB_MAP_ACCESSOR(backend_stats, xlb_bestat_v2)
XLB_MAP_ACCESSOR(sessions, xlb_sessions_v2)
XLB_MAP_ACCESSOR(flood, xlb_flood_v2)
XLB_MAP_ACCESSOR(vip_limits, xlb_viplimit_v2)
XLB_MAP_ACCESSOR(vip_buckets, xlb_vipbucket_v2)
XLB_MAP_ACCESSOR(vip_acl, xlb_vipacl_v2)
XLB_MAP_ACCESSOR(vip_filter, xlb_vipfilter_v2)
XLB_MAP_ACCESSOR(capture_cfg, xlb_capture_v2)
XLB_MAP_ACCESSOR(capture_ring, xlb_capring_v2)
#undef XLB_MAP_ACCESSOR

void L4Program::unpin_all() const {
  bpf_map* map;
  bpf_object__for_each_map(map, skel_->obj) {
    if (bpf_map__is_pinned(map)) bpf_map__unpin(map, nullptr);
  }
  // Taken over by fd (see set_pins), so libbpf does not know it is pinned.
  if (!pin_dir_.empty()) ::unlink((pin_dir_ + "/" + bpf_map__name(skel_->maps.xlb_tx_ports_v2)).c_str());
}

Result<xlb_params> read_pinned_params(const std::string& pin_dir) {
  auto m = PinnedMap::open(pin_dir + "/xlb_params_v2");
  if (!m) return m.error().context("no xlb agent state in " + pin_dir + " (is the agent running with that pin_dir?)");
  xlb_params p{};
  uint32_t zero = 0;
  auto found = m->map().lookup(&zero, &p);
  if (!found) return found.error();
  if (p.abi_version != XLB_ABI_VERSION)
    return Error{"maps in " + pin_dir + " have ABI version " + std::to_string(p.abi_version) + ", this tool speaks " +
                 std::to_string(XLB_ABI_VERSION)};
  return p;
}

}  // namespace xlb::bpf
