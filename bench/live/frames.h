// The generator's frames: one template (the first flow) and the 5-tuple
// space the XDP generator walks, frame after frame.
#pragma once

#include <cstdint>
#include <string>

#include "live_abi.h"

namespace xlb::bench::live {

enum class Proto { Tcp, Udp };

struct FlowSpace {
  Proto proto = Proto::Tcp;
  uint32_t frame = 64;       // bytes on the wire, FCS excluded
  std::string src_mac, dst_mac;
  std::string vip = "198.51.100.1";
  uint32_t vips = 1;         // consecutive addresses from `vip`
  uint16_t dport = 80;
  std::string client = "198.18.128.0";  // first source address
  uint32_t clients = 256;    // consecutive source addresses
  uint16_t sport = 10000;    // first source port
  uint32_t sports = 256;     // consecutive source ports
  uint32_t flows = 65536;    // distinct 5-tuples before the walk repeats
};

// The generator's configuration for a flow space; throws std::invalid_argument
// when the space or the frame size does not fit.
live_gen_cfg generator_config(const FlowSpace& space);

}  // namespace xlb::bench::live
