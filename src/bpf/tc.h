// Attaching a BPF program at tc egress (a clsact qdisc and a direct-action
// filter), for programs that must see what a host sends: XDP sees only what
// it receives.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"

namespace xlb::bpf {

// Attaches `prog_fd` as xlb's egress filter on `ifindex`, creating the clsact
// qdisc if there is none and replacing an earlier xlb filter in place, so
// re-running it never leaves a gap. Filters of others are left alone.
Status tc_egress_attach(int ifindex, int prog_fd);
// Removes xlb's egress filter (no-op if none). The clsact qdisc stays: other
// software may have filters on it.
Status tc_egress_detach(int ifindex);

// One run of a tc program on `packet` (BPF_PROG_TEST_RUN); for tests.
struct TcRunResult {
  int action = 0;  // TC_ACT_*
  std::vector<uint8_t> packet;
};
Result<TcRunResult> tc_test_run(int prog_fd, const std::vector<uint8_t>& packet);

}  // namespace xlb::bpf
