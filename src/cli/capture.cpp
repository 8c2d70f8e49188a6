#include "cli/capture.h"

#include <netinet/in.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <set>
#include <utility>

#include "bpf/l4_program.h"
#include "capture/pcapng.h"
#include "l4/counter_names.h"
#include "l4/map_set.h"

namespace xlb::cli {

namespace {

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) { g_stop_signal = sig; }

// SIGINT, SIGTERM, SIGHUP end the capture like reaching the count does (the
// file is completed, capture turned off); without SA_RESTART they also cut
// the ring's wait short. A closed output pipe becomes a write error.
void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::string services_text(const std::vector<l4::ServiceSnapshot>& services) {
  std::string s;
  for (const auto& svc : services) s += (s.empty() ? "" : ", ") + svc.key.str();
  return s.empty() ? "none configured" : s;
}

// "198.51.100.10", "198.51.100.10:80", "2001:db8::1", "[2001:db8::1]:80".
Status parse_vip(const std::string& text, IpAddr* addr, uint16_t* port) {
  if (text.starts_with('[') || (text.find(':') != std::string::npos && text.find('.') != std::string::npos)) {
    auto sa = SocketAddress::parse(text);
    if (!sa) return sa.error().context("--vip");
    *addr = sa->address;
    *port = sa->port;
    return {};
  }
  auto a = IpAddr::parse(text);
  if (!a) return a.error().context("--vip");
  *addr = *a;
  *port = 0;
  return {};
}

Result<uint32_t> parse_drop_reason(const std::string& name) {
  std::string known;
  for (uint32_t r = 0; r < XLB_DROP_REASON_COUNT; ++r) {
    if (name == l4::drop_reason_name(r)) return r;
    known += std::string(known.empty() ? "" : ", ") + l4::drop_reason_name(r);
  }
  return Error{"--drop: no drop reason \"" + name + "\" (reasons: " + known + ")"};
}

int64_t realtime_offset_ns() {
  timespec real{}, mono{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  return (int64_t(real.tv_sec) - int64_t(mono.tv_sec)) * 1000000000 + (int64_t(real.tv_nsec) - int64_t(mono.tv_nsec));
}

int fail(const Error& e) {
  std::cerr << "xlb: " << e.message << "\n";
  return 1;
}

// What the sink does with records: N packets, each as received, then as sent.
class CaptureWriter {
 public:
  CaptureWriter(capture::PcapngFile& file, uint32_t count, int64_t offset)
      : file_(file), count_(count), offset_(offset) {}

  void take(const capture::Record& r) {
    if (!status_) return;
    const std::pair<uint32_t, uint64_t> key{r.cpu, r.seq};
    if (r.ingress()) {
      if (packets_ == count_) return;  // a CPU went on a little longer than we needed
      ++packets_;
      pending_.insert(key);
      write(r);
      return;
    }
    if (pending_.erase(key) == 0) return;  // the ingress record was not taken
    // A dropped packet has no form as sent: its received form's comment says why.
    if (!r.data.empty()) write(r);
  }

  bool done() const { return packets_ == count_ && pending_.empty(); }
  bool all_packets() const { return packets_ == count_; }
  uint32_t packets() const { return packets_; }
  uint64_t frames() const { return frames_; }
  const Status& status() const { return status_; }

 private:
  void write(const capture::Record& r) {
    status_ = file_.write(capture::to_pcapng(r, offset_));
    if (status_) ++frames_;
  }
  capture::PcapngFile& file_;
  uint32_t count_;
  int64_t offset_;
  uint32_t packets_ = 0;
  uint64_t frames_ = 0;
  std::set<std::pair<uint32_t, uint64_t>> pending_;  // (cpu, seq) still waiting for their output record
  Status status_;
};

uint64_t ring_full_count(const bpf::Map& counters) {
  auto c = bpf::read_percpu_counter(counters, XLB_CNT_CAPTURE_RING_FULL);
  return c ? c->packets : 0;
}

}  // namespace

Result<capture::Filter> resolve_capture_filter(const CaptureRequest& req,
                                               const std::vector<l4::ServiceSnapshot>& services) {
  capture::Filter f;
  if (req.count < 1) return Error{"--count must be at least 1"};
  if (req.sample < 1) return Error{"--sample must be at least 1 (1: every matching packet)"};
  if (req.snaplen < 1 || req.snaplen > XLB_CAPTURE_SNAP_MAX)
    return Error{"--snaplen must be 1.." + std::to_string(XLB_CAPTURE_SNAP_MAX)};
  if (!(req.timeout_s >= 0) || req.timeout_s > 86400) return Error{"--timeout must be 0..86400 seconds (0: none)"};
  f.budget = req.count;
  f.sample = req.sample;
  f.snaplen = req.snaplen;
  if (!req.proto.empty()) {
    if (req.proto != "tcp" && req.proto != "udp") return Error{"--proto must be tcp or udp"};
    if (req.vip.empty()) return Error{"--proto narrows --vip: give --vip too"};
    f.vip_proto = req.proto == "tcp" ? IPPROTO_TCP : IPPROTO_UDP;
  }
  if (!req.vip.empty()) {
    IpAddr addr;
    uint16_t port = 0;
    if (auto st = parse_vip(req.vip, &addr, &port); !st) return st.error();
    bool address_known = false, service_known = false;
    for (const auto& svc : services) {
      if (svc.key.address != addr) continue;
      address_known = true;
      const bool port_ok = port == 0 || svc.key.port == port || svc.key.port == 0;
      const bool proto_ok = f.vip_proto == 0 || svc.key.proto == f.vip_proto;
      service_known = service_known || (port_ok && proto_ok);
    }
    if (!address_known || !service_known)
      return Error{"--vip " + req.vip + (req.proto.empty() ? "" : "/" + req.proto) + " is not " +
                   (address_known ? "a service" : "a VIP") + " of this node (services: " + services_text(services) +
                   ")"};
    f.vip = addr;
    f.vip_port = port;
  }
  if (!req.backend.empty()) {
    auto b = IpAddr::parse(req.backend);
    if (!b) return b.error().context("--backend");
    bool known = false;
    for (const auto& svc : services)
      for (const auto& be : svc.backends) known = known || be.address == *b;
    if (!known) return Error{"--backend " + req.backend + " is not a backend of any service of this node"};
    f.backend = *b;
  }
  if (!req.drop.empty()) {
    auto r = parse_drop_reason(req.drop);
    if (!r) return r.error();
    f.drop_reason = *r;
  }
  f.drops = req.drops;
  return f;
}

int run_capture(const CaptureRequest& req) {
  auto pinned = l4::PinnedMapSet::open(req.pin_dir);
  if (!pinned) return fail(pinned.error());
  auto snapshot = l4::read_snapshot((*pinned)->maps());
  if (!snapshot) return fail(snapshot.error());
  auto filter = resolve_capture_filter(req, snapshot->services);
  if (!filter) return fail(filter.error());
  auto cfg_map = bpf::PinnedMap::open(req.pin_dir + "/xlb_capture_v2");
  auto ring_map = bpf::PinnedMap::open(req.pin_dir + "/xlb_capring_v2");
  if (!cfg_map || !ring_map)
    return fail(Error{"no capture maps pinned in " + req.pin_dir +
                      ": the agent there predates packet capture; restart it with this version"});

  auto file = capture::PcapngFile::create(req.output, filter->snaplen, "xlb_l4", "xlb l4 capture");
  if (!file) return fail(file.error());
  CaptureWriter writer(*file, req.count, realtime_offset_ns());
  install_signal_handlers();
  const uint64_t ring_full_before = ring_full_count((*pinned)->maps().counters);

  auto session = capture::Session::start(cfg_map->map(), ring_map->map(), *filter,
                                         [&](const capture::Record& r) { writer.take(r); });
  if (!session) return fail(session.error());
  std::cerr << "xlb: capturing " << req.count << " packet(s) to " << (req.output == "-" ? "stdout" : req.output)
            << (req.timeout_s > 0 ? " for at most " + std::to_string(int(std::ceil(req.timeout_s))) + " s" : "")
            << " (Ctrl-C to stop)\n"
            << std::flush;

  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto renew_every = capture::kDefaultLease / 4;
  auto renewed = started;
  std::string ended_by = "count reached";
  Status failure;
  while (!writer.all_packets()) {
    if (g_stop_signal) {
      ended_by = std::string("signal ") + strsignal(g_stop_signal);
      break;
    }
    if (req.timeout_s > 0 && Clock::now() - started >= std::chrono::duration<double>(req.timeout_s)) {
      ended_by = "timeout";
      break;
    }
    if (Clock::now() - renewed >= renew_every) {
      if (failure = (*session)->renew(); !failure) break;
      renewed = Clock::now();
    }
    if (auto n = (*session)->poll(100); !n) {
      failure = n.error();
      break;
    }
    if (!writer.status()) break;
  }
  // Off first; the records of packets already taken are in the ring or just
  // being written by another CPU: a short grace to collect them.
  if (auto st = (*session)->stop(); !st && failure) failure = st.error();
  const auto grace_end = Clock::now() + std::chrono::milliseconds(500);
  while (failure && writer.status() && !writer.done() && Clock::now() < grace_end) {
    if (auto n = (*session)->poll(50); !n) failure = n.error();
  }
  session->reset();
  if (!failure) return fail(failure.error());
  if (!writer.status()) return fail(writer.status().error());
  if (auto st = file->close(); !st) return fail(st.error());

  const uint64_t lost = ring_full_count((*pinned)->maps().counters) - ring_full_before;
  std::cerr << "xlb: " << writer.packets() << " of " << req.count << " packet(s), " << writer.frames()
            << " frame(s) written (" << ended_by << ")";
  if (lost) std::cerr << "; " << lost << " record(s) lost to a full capture ring (node-wide, while we ran)";
  std::cerr << "\n";
  return 0;
}

}  // namespace xlb::cli
