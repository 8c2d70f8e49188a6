#include "frames.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

#include "support/packet_builder.h"

namespace xlb::bench::live {

namespace {

using testing::Bytes;
using testing::PacketBuilder;

constexpr uint32_t kEth = 14, kIp4 = 20, kTcp = 20, kUdp = 8;
constexpr uint32_t kMaxFrame = 3000;  // a live frame must fit a page with its headroom

uint32_t host_order(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) throw std::invalid_argument("not an IPv4 address: '" + text + "'");
  return ntohl(a.s_addr);
}

uint16_t word_at(const Bytes& b, size_t off) {
  uint16_t w;
  std::memcpy(&w, b.data() + off, 2);
  return w;
}

}  // namespace

live_gen_cfg generator_config(const FlowSpace& s) {
  uint32_t headers = kEth + kIp4 + (s.proto == Proto::Tcp ? kTcp : kUdp);
  if (s.frame < 64 || s.frame > kMaxFrame)
    throw std::invalid_argument("frame of " + std::to_string(s.frame) + " bytes: 64.." + std::to_string(kMaxFrame));
  if (!s.vips || !s.clients || !s.sports || !s.flows) throw std::invalid_argument("an empty flow space");
  if (uint64_t(s.sport) + s.sports > 65536) throw std::invalid_argument("source ports past 65535");
  if (uint64_t(s.vips) * s.sports * s.clients < s.flows)
    throw std::invalid_argument("flows " + std::to_string(s.flows) + " exceed VIPs x ports x clients; some would repeat");

  Bytes payload(s.frame - headers, 0);
  PacketBuilder b;
  b.eth(s.src_mac, s.dst_mac).ipv4(s.client, s.vip);
  if (s.proto == Proto::Tcp)
    // Established-like: ACK only, mid-stream sequence numbers.
    b.tcp(s.sport, s.dport, {.flags = testing::kTcpAck, .seq = 0x10000000, .ack = 0x20000000});
  else
    b.udp(s.sport, s.dport, {.checksum = 0});
  Bytes frame = b.payload(payload).build();

  live_gen_cfg c{};
  std::memcpy(c.header, frame.data(), LIVE_HEADER_LEN);
  c.flows = s.flows;
  c.dst_base = host_order(s.vip);
  c.dst_count = s.vips;
  c.sport_base = s.sport;
  c.sport_count = static_cast<uint16_t>(s.sports);
  c.src_base = host_order(s.client);
  c.src_count = s.clients;
  c.ip_csum = word_at(frame, kEth + 10);
  c.tcp = s.proto == Proto::Tcp;
  c.tcp_csum = c.tcp ? word_at(frame, kEth + kIp4 + 16) : 0;
  return c;
}

}  // namespace xlb::bench::live
