#include "health/icmp_echo.h"

namespace xlb::health {

namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;
constexpr uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr size_t kEchoHeader = 8;  // type, code, checksum, id, sequence

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

uint16_t internet_checksum(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += be16(&bytes[i]);
  if (bytes.size() % 2) sum += static_cast<uint32_t>(bytes.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> echo_request(bool v6, uint16_t id, uint16_t sequence, std::string_view payload) {
  std::vector<uint8_t> m(kEchoHeader + payload.size());
  m[0] = v6 ? kEchoRequest6 : kEchoRequest4;
  m[4] = static_cast<uint8_t>(id >> 8);
  m[5] = static_cast<uint8_t>(id);
  m[6] = static_cast<uint8_t>(sequence >> 8);
  m[7] = static_cast<uint8_t>(sequence);
  for (size_t i = 0; i < payload.size(); ++i) m[kEchoHeader + i] = static_cast<uint8_t>(payload[i]);
  if (!v6) {
    const uint16_t sum = internet_checksum(m);
    m[2] = static_cast<uint8_t>(sum >> 8);
    m[3] = static_cast<uint8_t>(sum);
  }
  return m;
}

bool is_echo_reply(bool v6, std::span<const uint8_t> received, uint16_t id, uint16_t sequence) {
  size_t offset = 0;
  if (!v6) {
    if (received.empty() || (received[0] >> 4) != 4) return false;
    offset = static_cast<size_t>(received[0] & 0x0f) * 4;
    if (offset < 20) return false;
  }
  if (received.size() < offset + kEchoHeader) return false;
  const uint8_t* icmp = received.data() + offset;
  return icmp[0] == (v6 ? kEchoReply6 : kEchoReply4) && icmp[1] == 0 && be16(icmp + 4) == id &&
         be16(icmp + 6) == sequence;
}

}  // namespace xlb::health
