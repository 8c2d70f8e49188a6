// The echo messages of PING health checks, byte for byte: the request with
// its checksum, and which received packets count as the reply.
#include "health/icmp_echo.h"

#include <gtest/gtest.h>

namespace xlb::health {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(IcmpEcho, Ipv4RequestWithItsChecksum) {
  // type 8, code 0, checksum, id 0x1234, sequence 1, payload "ab".
  // Sum of words: 0x0800 + 0x1234 + 0x0001 + 0x6162 = 0x7B97 -> checksum ~0x7B97 = 0x8468.
  EXPECT_EQ(echo_request(false, 0x1234, 1, "ab"), (Bytes{8, 0, 0x84, 0x68, 0x12, 0x34, 0, 1, 'a', 'b'}));
  EXPECT_EQ(internet_checksum(echo_request(false, 0x1234, 1, "ab")), 0) << "a message with its checksum sums to 0";
  // An odd length pads the last byte with zero.
  EXPECT_EQ(internet_checksum(echo_request(false, 7, 9, "xyz")), 0);
}

TEST(IcmpEcho, Ipv6RequestLeavesTheChecksumToTheKernel) {
  EXPECT_EQ(echo_request(true, 0xbeef, 2, "p"), (Bytes{128, 0, 0, 0, 0xbe, 0xef, 0, 2, 'p'}));
}

Bytes ipv4_packet(const Bytes& icmp, uint8_t ihl_words = 5) {
  Bytes p(ihl_words * 4u, 0);
  p[0] = static_cast<uint8_t>(0x40 | ihl_words);
  p[9] = 1;  // ICMP
  p.insert(p.end(), icmp.begin(), icmp.end());
  return p;
}

TEST(IcmpEcho, Ipv4ReplyIsFoundBehindTheIpHeader) {
  const Bytes reply{0, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b'};
  EXPECT_FALSE(is_echo_reply(false, ipv4_packet(reply), 0x12, 0x34)) << "id and sequence swapped";
  EXPECT_TRUE(is_echo_reply(false, ipv4_packet(reply), 0x1234, 1));
  EXPECT_TRUE(is_echo_reply(false, ipv4_packet(reply, 6), 0x1234, 1)) << "IP options";
  EXPECT_FALSE(is_echo_reply(false, ipv4_packet(reply), 0x1234, 2)) << "another sequence";
  EXPECT_FALSE(is_echo_reply(false, ipv4_packet(reply), 0x1235, 1)) << "another probe's id";
  Bytes request = reply;
  request[0] = 8;
  EXPECT_FALSE(is_echo_reply(false, ipv4_packet(request), 0x1234, 1)) << "our own request looped back";
  Bytes unreachable = reply;
  unreachable[0] = 3;
  EXPECT_FALSE(is_echo_reply(false, ipv4_packet(unreachable), 0x1234, 1));
  const Bytes whole = ipv4_packet(reply);
  EXPECT_FALSE(is_echo_reply(false, Bytes(whole.begin(), whole.begin() + 27), 0x1234, 1)) << "cut short";
  EXPECT_FALSE(is_echo_reply(false, Bytes{}, 0x1234, 1));
  Bytes bad_ihl = ipv4_packet(reply);
  bad_ihl[0] = 0x42;
  EXPECT_FALSE(is_echo_reply(false, bad_ihl, 0x1234, 1));
}

TEST(IcmpEcho, Ipv6ReplyIsTheMessageAlone) {
  EXPECT_TRUE(is_echo_reply(true, Bytes{129, 0, 0x5a, 0x5a, 0xbe, 0xef, 0, 2}, 0xbeef, 2));
  EXPECT_FALSE(is_echo_reply(true, Bytes{128, 0, 0, 0, 0xbe, 0xef, 0, 2}, 0xbeef, 2));
  EXPECT_FALSE(is_echo_reply(true, Bytes{129, 1, 0, 0, 0xbe, 0xef, 0, 2}, 0xbeef, 2)) << "code must be 0";
  EXPECT_FALSE(is_echo_reply(true, Bytes{129, 0, 0, 0, 0xbe, 0xef, 0}, 0xbeef, 2)) << "cut short";
}

}  // namespace
}  // namespace xlb::health
