// "Which backend gets this flow, and why?" answered by the real XDP program:
// a probe packet runs through BPF_PROG_TEST_RUN in an instance that shares the
// running agent's configuration maps but counts into private counters, so
// asking never disturbs the node's statistics.
#pragma once

#include <optional>
#include <string>

#include "common/net.h"
#include "common/result.h"

namespace xlb::l4 {

struct FlowQuery {
  uint8_t proto = 0;  // IPPROTO_TCP / IPPROTO_UDP
  IpAddr src;
  uint16_t sport = 0;
  IpAddr dst;
  uint16_t dport = 0;
};

struct Explanation {
  std::string ingress;      // interface the probe arrived on (where xlb_l4 is attached); empty: lo
  std::string verdict;      // "XDP_TX", "XDP_PASS", ...
  std::string drop_reason;  // when dropped
  std::string service;      // "198.51.100.10:80/tcp", when one matched
  bool source_only_hash = false;
  uint32_t hash = 0;
  uint32_t ring_slot = 0;
  uint32_t ring_size = 0;
  std::optional<IpAddr> backend;
  std::optional<uint32_t> backend_id;
  std::optional<IpAddr> outer_source;
};

Result<Explanation> explain(const std::string& pin_dir, const FlowQuery& query);

}  // namespace xlb::l4
