#include "capture/record.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cstring>

#include "l4/counter_names.h"

namespace xlb::capture {

namespace {

const char* action_name(uint32_t action) {
  switch (action) {
    case XDP_TX: return "tx";
    case XDP_REDIRECT: return "redirect";
    case XDP_PASS: return "pass";
    case XDP_DROP: return "drop";
    default: return "aborted";
  }
}

}  // namespace

Result<Record> parse_record(const void* bytes, size_t size) {
  if (size < XLB_CAPTURE_HEADER_BYTES)
    return Error{"capture record of " + std::to_string(size) + " bytes is shorter than its header"};
  // Only the header is copied: the ring holds header + cap_len bytes, not a whole xlb_capture_record.
  const auto* raw = static_cast<const uint8_t*>(bytes);
  auto field = [&](size_t offset, auto& out) { std::memcpy(&out, raw + offset, sizeof(out)); };
  Record r;
  field(offsetof(xlb_capture_record, ts_ns), r.ts_ns);
  field(offsetof(xlb_capture_record, seq), r.seq);
  field(offsetof(xlb_capture_record, session), r.session);
  field(offsetof(xlb_capture_record, cpu), r.cpu);
  field(offsetof(xlb_capture_record, kind), r.kind);
  field(offsetof(xlb_capture_record, action), r.action);
  field(offsetof(xlb_capture_record, drop_reason), r.drop_reason);
  field(offsetof(xlb_capture_record, backend_id), r.backend_id);
  field(offsetof(xlb_capture_record, pkt_len), r.pkt_len);
  xlb_addr backend{};
  uint8_t family = 0;
  uint32_t cap_len = 0;
  field(offsetof(xlb_capture_record, backend), backend);
  field(offsetof(xlb_capture_record, backend_family), family);
  field(offsetof(xlb_capture_record, cap_len), cap_len);
  if (r.kind != XLB_CAPTURE_INGRESS && r.kind != XLB_CAPTURE_OUTPUT)
    return Error{"capture record of unknown kind " + std::to_string(r.kind)};
  if (cap_len > XLB_CAPTURE_SNAP_MAX || XLB_CAPTURE_HEADER_BYTES + cap_len > size)
    return Error{"capture record says " + std::to_string(cap_len) + " bytes follow, " +
                 std::to_string(size - XLB_CAPTURE_HEADER_BYTES) + " do"};
  if (family == XLB_FAMILY_V4 || family == XLB_FAMILY_V6) r.backend = IpAddr::from_abi(backend, family);
  r.data.assign(raw + XLB_CAPTURE_HEADER_BYTES, raw + XLB_CAPTURE_HEADER_BYTES + cap_len);
  return r;
}

std::string describe_verdict(const Record& r) {
  if (r.action == XDP_DROP) return std::string("drop ") + l4::drop_reason_name(r.drop_reason);
  std::string s = action_name(r.action);
  if (r.backend) return s + " to backend " + r.backend->str();
  return s + " (answered by the node)";
}

PcapngPacket to_pcapng(const Record& r, int64_t realtime_offset_ns) {
  PcapngPacket p;
  p.ts_ns = r.ts_ns + static_cast<uint64_t>(realtime_offset_ns);
  p.orig_len = std::max<uint32_t>(r.pkt_len, static_cast<uint32_t>(r.data.size()));
  p.data = r.data;
  p.direction = r.ingress() ? Direction::Inbound : Direction::Outbound;
  p.comment = std::string("xlb ") + (r.ingress() ? "in " : "out ") + std::to_string(r.cpu) + ":" +
              std::to_string(r.seq) + " " + describe_verdict(r);
  return p;
}

}  // namespace xlb::capture
