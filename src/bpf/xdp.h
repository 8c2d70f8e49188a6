// Attaching XDP programs to interfaces, and running them on a packet with
// BPF_PROG_TEST_RUN (fixtures, `xlb l4 explain`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace xlb::bpf {

enum class XdpMode { Native, Generic };

Result<int> interface_index(const std::string& name);

// Attaches `prog_fd` to `ifindex`. An XDP program already attached is
// replaced atomically only if its name is `expected_name` (an older instance
// of ours: upgrades keep forwarding); anything else is refused.
Status xdp_attach(int ifindex, int prog_fd, XdpMode mode, const std::string& expected_name);
// Detaches whatever xdp program is attached in `mode` (no-op if none).
Status xdp_detach(int ifindex, XdpMode mode);
// Name of the attached program, empty if none.
Result<std::string> xdp_attached_name(int ifindex);
// Whether the program attached to `ifindex` is named `expected_name` (the
// kernel keeps the first 15 characters of a name).
Result<bool> xdp_attached_is(int ifindex, const std::string& expected_name);

struct TestRunResult {
  uint32_t action = 0;  // XDP_*
  std::vector<uint8_t> packet;
  uint32_t duration_ns = 0;
};

// One run of `prog_fd` on `packet`, as if received on `ingress_ifindex`
// (0: the namespace's loopback). With repeat > 1 the kernel runs it that many
// times on the same buffer (not restored in between) and duration_ns is the
// kernel's mean per iteration, in whole nanoseconds.
Result<TestRunResult> xdp_test_run(int prog_fd, const std::vector<uint8_t>& packet, int ingress_ifindex = 0,
                                   uint32_t repeat = 1);

const char* xdp_action_name(uint32_t action);

}  // namespace xlb::bpf
