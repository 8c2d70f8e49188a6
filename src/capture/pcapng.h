// pcapng (draft-ietf-opsawg-pcapng) as `xlb l4 capture` writes it: one
// section, one Ethernet interface with nanosecond timestamps, and Enhanced
// Packet Blocks that carry a comment (what the balancer did) and the
// direction (received or sent), both of which tshark and Wireshark show.
// Little-endian, as the byte-order magic of the section header declares.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace xlb::capture {

// epb_flags direction bits.
enum class Direction : uint32_t { Unknown = 0, Inbound = 1, Outbound = 2 };

struct PcapngPacket {
  uint64_t ts_ns = 0;     // since the Unix epoch
  uint32_t orig_len = 0;  // the frame's length on the wire (>= data.size())
  std::vector<uint8_t> data;
  Direction direction = Direction::Unknown;
  std::string comment;  // empty: none
};

// The Section Header Block (shb_userappl = `application`) and the Interface
// Description Block (Ethernet, `snaplen`, if_name = `interface`, if_tsresol 9).
std::vector<uint8_t> pcapng_header(uint32_t snaplen, std::string_view interface, std::string_view application);

// One Enhanced Packet Block on interface 0.
std::vector<uint8_t> pcapng_packet(const PcapngPacket& packet);

// A pcapng file being written: "-" is standard output (flushed per packet,
// so `| tshark -r -` shows packets as they come).
class PcapngFile {
 public:
  static Result<PcapngFile> create(const std::string& path, uint32_t snaplen, std::string_view interface,
                                   std::string_view application);
  PcapngFile(PcapngFile&& other) noexcept;
  PcapngFile& operator=(PcapngFile&&) = delete;
  PcapngFile(const PcapngFile&) = delete;
  PcapngFile& operator=(const PcapngFile&) = delete;
  ~PcapngFile();

  Status write(const PcapngPacket& packet);
  // Flushes and closes; reports what the final write said.
  Status close();

 private:
  PcapngFile(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  Status put(const std::vector<uint8_t>& bytes);
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace xlb::capture
