// From YAML text to the config model: the document's shape and each field on
// its own (types, ranges, formats). Checks that relate several fields live in
// validate.h and use the Origins recorded here to point at the right lines.
// Internal to xlb_config; the only place that knows about yaml-cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"

namespace YAML {
class Node;
}

namespace xlb::config {

struct BackendOrigin {
  std::string path;  // "vips[0].backends[2]"
  int line = 0;      // of its address
};

struct VipOrigin {
  std::string path;  // "vips[2]"
  int line = 0;      // of the list item
  int backends_line = 0;
  bool key_complete = false;            // address, port and protocol all decoded
  std::vector<BackendOrigin> backends;  // parallel to Vip::backends
};

struct Origins {
  bool node_decoded = false;
  int node_line = 0;
  bool encap_source_v4_given = false;  // present in the file, even if malformed
  bool encap_source_v6_given = false;
  bool dataplane_complete = true;  // every dataplane field decoded (limits are trustworthy)
  int ring_size_line = 0;
  int vips_line = 0;
  size_t vips_listed = 0;       // items in the list, decoded or not
  std::vector<VipOrigin> vips;  // parallel to Config::vips
};

struct Decoded {
  Config config;
  Origins origins;
};

// Parse the YAML text into a document; syntax errors go to `diag`.
std::optional<YAML::Node> read_document(std::string_view text, Diagnostics& diag);

// Decode a document, reporting every problem to `diag`. A VIP whose address
// did not decode, or a backend whose address did not, is left out of the
// result so that the cross-field checks only see entries they can reason about.
Decoded decode(const YAML::Node& root, Diagnostics& diag);

}  // namespace xlb::config
