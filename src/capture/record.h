// A capture record as it comes out of xlb_capring_v2 (abi.h, "Packet
// capture"), and what it becomes in the pcapng file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/pcapng.h"
#include "common/net.h"
#include "common/result.h"

namespace xlb::capture {

struct Record {
  uint64_t ts_ns = 0;  // CLOCK_MONOTONIC, when the packet arrived
  uint64_t seq = 0;    // with cpu: which packet; its two records share them
  uint32_t session = 0;
  uint32_t cpu = 0;
  uint32_t kind = 0;    // enum xlb_capture_kind
  uint32_t action = 0;  // XDP_*
  uint32_t drop_reason = 0;
  uint32_t backend_id = 0;
  std::optional<IpAddr> backend;
  uint32_t pkt_len = 0;
  std::vector<uint8_t> data;  // the first cap_len bytes of the frame

  bool ingress() const { return kind == XLB_CAPTURE_INGRESS; }
};

// Checks that the record is whole (header, and as many bytes as it says).
Result<Record> parse_record(const void* bytes, size_t size);

// What the balancer did, e.g. "tx to backend 198.18.11.2", "drop no_service",
// "tx (answered by the node)".
std::string describe_verdict(const Record& r);

// The record as a pcapng packet: a comment "xlb in 0:12 tx to backend
// 198.18.11.2" (CPU 0, its 12th packet of the session; "out" for the packet
// as sent) and the direction. realtime_offset_ns turns the monotonic
// timestamp into wall-clock time.
PcapngPacket to_pcapng(const Record& r, int64_t realtime_offset_ns);

}  // namespace xlb::capture
