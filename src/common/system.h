// Small host-side effects the agent and the backend helper need: running a
// command without a shell, writing a sysctl.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace xlb {

// Runs argv[0] (looked up in PATH) with the given arguments and waits; an
// error carries the command line and its exit status.
Status run_command(const std::vector<std::string>& argv);

// Writes `text` to a temporary file beside `path` and renames it over `path`
// (creating the directory), so a reader sees the old file or the new one,
// never half of one.
Status write_file_atomically(const std::string& path, const std::string& text);

// write_sysctl("net.ipv4.conf.all.arp_ignore", "1")
Status write_sysctl(const std::string& key, const std::string& value);
Result<std::string> read_sysctl(const std::string& key);

// The hardware address of a network interface in this namespace.
Result<std::array<uint8_t, 6>> interface_mac(const std::string& name);
// The interface's MTU (SIOCGIFMTU).
Result<uint32_t> interface_mtu(const std::string& name);

}  // namespace xlb
