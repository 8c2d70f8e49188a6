#include "rig.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <thread>

#include "bpf/map.h"
#include "common/system.h"
#include "xlb_bench_live.skel.h"

namespace xlb::bench::live {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Error errno_error(const std::string& what, int err) { return Error{what + ": " + std::strerror(err)}; }

Status enter_netns(const std::string& name) {
  std::string path = "/run/netns/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open " + path, errno);
  int rc = ::setns(fd, CLONE_NEWNET);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_error("enter network namespace " + name, err);
  return {};
}

Result<int> ifindex_of(const std::string& dev) {
  unsigned idx = if_nametoindex(dev.c_str());
  if (!idx) return Error{"no interface '" + dev + "' in this namespace"};
  return static_cast<int>(idx);
}

Status attach_native(int ifindex, int prog_fd, const std::string& what) {
  // Replaces whatever was attached: the namespaces are the benchmark's own.
  if (bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, nullptr) != 0)
    return errno_error("attach " + what + " (native XDP)", errno);
  return {};
}

bool parse_mac(const std::string& text, uint8_t out[6]) {
  unsigned v[6];
  char extra;
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
    return false;
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 0xff) return false;
    out[i] = static_cast<uint8_t>(v[i]);
  }
  return true;
}

struct SkelDeleter {
  void operator()(xlb_bench_live* s) const { xlb_bench_live__destroy(s); }
};
using SkelPtr = std::unique_ptr<xlb_bench_live, SkelDeleter>;

Result<SkelPtr> open_skeleton() {
  SkelPtr s(xlb_bench_live__open());
  if (!s) return errno_error("open the live benchmark's BPF object", errno);
  return s;
}

Status load(xlb_bench_live* s) {
  if (int rc = xlb_bench_live__load(s); rc != 0) return errno_error("load the live benchmark's BPF programs", -rc);
  return {};
}

}  // namespace

Result<std::unique_ptr<Rig>> Rig::open(const Where& where, const FlowSpace& space) {
  std::unique_ptr<Rig> rig(new Rig());
  live_gen_cfg cfg{};
  try {
    cfg = generator_config(space);
  } catch (const std::exception& e) {
    return Error{e.what()};
  }
  auto skel = open_skeleton();
  if (!skel) return skel.error();
  std::memcpy(const_cast<live_gen_cfg*>(&(*skel)->rodata->gen_cfg), &cfg, sizeof(cfg));
  if (auto st = load(skel->get()); !st) return st.error();
  rig->skel_ = skel->release();

  if (auto st = enter_netns(where.sink_netns); !st) return st.error();
  auto sink_if = ifindex_of(where.sink_dev);
  if (!sink_if) return sink_if.error();
  if (auto st = attach_native(*sink_if, bpf_program__fd(rig->skel_->progs.live_sink), "the sink counter"); !st)
    return st.error();

  // The live-frames test run sends out of an interface of the caller's namespace.
  if (auto st = enter_netns(where.gen_netns); !st) return st.error();
  auto gen_if = ifindex_of(where.gen_dev);
  if (!gen_if) return gen_if.error();
  rig->gen_ifindex_ = *gen_if;
  // The template is the whole frame: its payload (zeros) is never rewritten.
  std::string frame(space.frame, '\0');
  std::memcpy(frame.data(), cfg.header, LIVE_HEADER_LEN);
  rig->frame_ = std::move(frame);
  return rig;
}

Rig::~Rig() {
  if (skel_) xlb_bench_live__destroy(skel_);
}

Status Rig::send(uint32_t frames, uint32_t batch) {
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(frame_.size());
  ctx.ingress_ifindex = static_cast<uint32_t>(gen_ifindex_);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame_.data(), .data_size_in = static_cast<uint32_t>(frame_.size()),
              .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(frames),
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);
  if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.live_gen), &opts) != 0)
    return errno_error("live-frames test run of the generator", errno);
  return {};
}

Result<uint64_t> Rig::sink_packets(uint64_t* bytes) const {
  bpf::Map m(bpf_map__fd(skel_->maps.live_sink_count), "live_sink_count");
  auto c = bpf::sum_percpu<live_count>(m, 0);
  if (!c) return c.error();
  if (bytes) *bytes = c->bytes;
  return c->packets;
}

Result<Trial> Rig::run(double pps, double seconds, uint64_t max_packets) {
  Trial t;
  t.target_pps = pps;
  uint64_t bytes_before = 0, bytes_after = 0;
  auto before = sink_packets(&bytes_before);
  if (!before) return before.error();

  double rate = pps > 0 ? pps : flat_out_pps_;
  uint64_t frames = std::clamp<uint64_t>(static_cast<uint64_t>(rate * seconds), 1, std::min<uint64_t>(max_packets, INT32_MAX));
  auto* bss = skel_->bss;
  // Groups of one flush batch: the frames reach the node together anyway.
  bss->gen_group = kPacedBatch;
  bss->gen_interval_ns = pps > 0 ? static_cast<uint64_t>(1e9 * kPacedBatch / pps) : 0;
  bss->gen_slack_ns = bss->gen_interval_ns * 2;
  bss->gen_due_ns = 0;
  bss->gen_next = 0;
  auto t0 = Clock::now();
  if (auto st = send(static_cast<uint32_t>(frames), pps > 0 ? kPacedBatch : kBatch); !st) return st.error();
  t.seconds = since(t0);
  t.sent = frames;
  if (pps <= 0 && t.seconds > 0) flat_out_pps_ = t.sent / t.seconds;

  // Frames still in the rings: wait until the count holds still for 50 ms.
  uint64_t last = *before, stable_since_ms = 0;
  for (int i = 0; i < 400 && stable_since_ms < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto now = sink_packets(&bytes_after);
    if (!now) return now.error();
    stable_since_ms = *now == last ? stable_since_ms + 10 : 0;
    last = *now;
  }
  t.received = last - *before;
  t.received_bytes = bytes_after - bytes_before;
  return t;
}

Status attach_floor(const std::string& netns, const std::string& in_dev, const std::string& out_dev,
                    const std::string& dmac) {
  auto skel = open_skeleton();
  if (!skel) return skel.error();
  if (auto st = enter_netns(netns); !st) return st;
  auto in_if = ifindex_of(in_dev);
  if (!in_if) return in_if.error();
  auto out_if = ifindex_of(out_dev);
  if (!out_if) return out_if.error();
  auto* cfg = const_cast<live_floor_cfg*>(&(*skel)->rodata->floor_cfg);
  cfg->out_ifindex = static_cast<uint32_t>(*out_if);
  if (!parse_mac(dmac, cfg->dmac)) return Error{"not a MAC address: '" + dmac + "'"};
  auto smac = interface_mac(out_dev);
  if (!smac) return smac.error();
  std::memcpy(cfg->smac, smac->data(), 6);
  if (auto st = load(skel->get()); !st) return st;
  return attach_native(*in_if, bpf_program__fd((*skel)->progs.live_floor), "the floor forwarder");
}

}  // namespace xlb::bench::live
