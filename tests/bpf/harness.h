// Runs the real L4 XDP program on packets through BPF_PROG_TEST_RUN, with
// its maps filled by the real control path (l4::Tables), and reports what
// each run did to the counters.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf/decap_program.h"
#include "bpf/l4_program.h"
#include "bpf/xdp.h"
#include "l4/map_set.h"
#include "l4/tables.h"
#include "support/packet_builder.h"

namespace xlb::testing {

// Lab-style addresses every fixture shares.
inline constexpr const char* kClientMac = "02:00:00:00:00:0c";
inline constexpr const char* kNodeMac = "02:00:00:00:00:4c";
inline constexpr const char* kGatewayMac = "02:00:00:00:00:01";
inline constexpr uint8_t kOuterTtl = 48;  // not 64, so a test sees it came from params
inline constexpr uint32_t kSeed = 0x5eed1234;
// A VIP and a client of each family, for fixtures about answers and errors.
inline constexpr const char* kVip4 = "198.51.100.10";
inline constexpr const char* kVip6 = "2001:db8:100::10";
inline constexpr const char* kClient4 = "203.0.113.7";
inline constexpr const char* kClient6 = "2001:db8:1::7";

struct RunOutcome {
  uint32_t action = 0;
  Bytes packet;
  std::map<std::string, uint64_t> counter_deltas;  // counter name -> packets added by this run
};

class L4Harness {
 public:
  // ring_size small enough to keep fixtures fast, prime as required.
  explicit L4Harness(uint32_t ring_size = 65537, uint32_t max_vips = 16, uint32_t max_backends = 64);

  Status apply(const std::vector<l4::ServiceSpec>& services);
  Status set_node(const l4::NodeSpec& node);
  RunOutcome run(const Bytes& packet, int ingress_ifindex = 0);
  const bpf::L4Program& program() const { return *program_; }
  l4::Tables& tables() { return *tables_; }
  xlb_vip_stats vip_stats(uint32_t vip_id) const;
  xlb_backend_stats backend_stats(uint32_t backend_id) const;

 private:
  std::map<std::string, uint64_t> read_counters() const;
  std::unique_ptr<bpf::L4Program> program_;
  std::unique_ptr<l4::Tables> tables_;
};

// Helpers to write services tersely.
l4::ServiceSpec service(const std::string& addr, uint16_t port, uint8_t proto, std::vector<std::string> backends,
                        uint32_t flags = 0);
l4::NodeSpec default_node();
// The flow hash the program computes, for expectations that depend on it
// (IPv6 flow label, outer source host bits).
uint32_t flow_hash_of(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport, uint8_t proto);

// BPF_PROG_TEST_RUN runs on the calling CPU: a test of per-CPU state (the
// flood detector, the ICMP budget) keeps itself on one CPU while alive.
class PinnedToOneCpu {
 public:
  PinnedToOneCpu() {
    sched_getaffinity(0, sizeof(saved_), &saved_);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &saved_)) {
        CPU_SET(c, &one);
        break;
      }
    sched_setaffinity(0, sizeof(one), &one);
  }
  ~PinnedToOneCpu() { sched_setaffinity(0, sizeof(saved_), &saved_); }

 private:
  cpu_set_t saved_{};
};

// Skips the test (with a reason) unless the process may load BPF programs.
bool bpf_available(std::string* why);

// The backend's decap object with private maps, serving kVip4 and kVip6.
std::unique_ptr<bpf::DecapProgram> load_decap_serving_vips();

}  // namespace xlb::testing

#define XLB_REQUIRE_BPF()                                       \
  do {                                                          \
    std::string why_;                                           \
    if (!::xlb::testing::bpf_available(&why_)) GTEST_SKIP() << why_; \
  } while (0)
