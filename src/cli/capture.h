// `xlb l4 capture`: packets the balancer handled, as received and as sent,
// written to a pcapng file with what it did to each as the packet comment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture/session.h"
#include "common/result.h"
#include "l4/snapshot.h"

namespace xlb::cli {

struct CaptureRequest {
  std::string pin_dir;
  std::string vip;      // "ADDR", "ADDR:PORT" or "[V6ADDR]:PORT"; empty: any
  std::string proto;    // "tcp", "udp"; empty: any
  std::string backend;  // address; empty: any
  std::string drop;     // a drop reason name; empty: any verdict
  bool drops = false;   // dropped packets only
  uint32_t count = 100;
  uint32_t sample = 1;
  uint32_t snaplen = capture::kDefaultSnaplen;
  double timeout_s = 60;  // 0: until count or a signal
  std::string output;     // "-": standard output
};

// The filter for `req` on a node serving `services`: the VIP and the backend
// must be configured there, the drop reason must exist.
Result<capture::Filter> resolve_capture_filter(const CaptureRequest& req,
                                               const std::vector<l4::ServiceSnapshot>& services);

// Runs the capture; prints errors and the summary on stderr; the exit code.
int run_capture(const CaptureRequest& req);

}  // namespace xlb::cli
