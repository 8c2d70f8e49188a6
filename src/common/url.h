// Percent-encoding of URL query keys and values (RFC 3986 unreserved
// characters stay; every other byte becomes %XX), shared by the controller's
// list links and the CLI's requests.
#pragma once

#include <string>
#include <string_view>

namespace xlb {

std::string percent_encode(std::string_view text);

}  // namespace xlb
