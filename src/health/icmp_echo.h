// ICMP and ICMPv6 echo messages for PING health checks: the request a probe
// sends on a raw socket and the test of what comes back. Pure functions of
// bytes, so the formats are checked without privileges.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xlb::health {

// An echo request: type 8 (ICMP) or 128 (ICMPv6), code 0, `id`, `sequence`,
// then `payload`. The ICMP checksum is filled in; for ICMPv6 it is left 0,
// since the kernel computes it over the pseudo-header on raw ICMPv6 sockets.
std::vector<uint8_t> echo_request(bool v6, uint16_t id, uint16_t sequence, std::string_view payload);

// True when `received` is the echo reply to that request. On an IPv4 raw
// socket what arrives starts with the IP header (skipped by its length);
// on an IPv6 one it is the ICMPv6 message alone.
bool is_echo_reply(bool v6, std::span<const uint8_t> received, uint16_t id, uint16_t sequence);

// The Internet checksum (RFC 1071) of `bytes`.
uint16_t internet_checksum(std::span<const uint8_t> bytes);

}  // namespace xlb::health
