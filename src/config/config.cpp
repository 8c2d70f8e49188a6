#include "config/config.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "config/decode.h"
#include "config/diagnostics.h"
#include "config/validate.h"

namespace xlb::config {

namespace {

Error unreadable(const std::string& path, int err) {
  return Error{"cannot read config file '" + path + "': " + std::system_category().message(err) + " (errno " +
               std::to_string(err) + ")"};
}

// Closes the descriptor on every way out of read_whole_file.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<std::string> read_whole_file(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return unreadable(path, errno);
  std::string contents;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unreadable(path, errno);  // EISDIR for a directory, EIO, ...
    if (n == 0) return contents;
    contents.append(buffer, static_cast<size_t>(n));
  }
}

std::string hex32(uint32_t value) {
  char buffer[11];
  std::snprintf(buffer, sizeof(buffer), "0x%08x", value);
  return buffer;
}

void note_change(std::vector<std::string>& changes, std::string_view field, const std::string& before,
                 const std::string& after) {
  if (before != after) changes.push_back(std::string(field) + ": " + before + " -> " + after);
}

}  // namespace

Result<Config> parse(std::string_view yaml_text, std::string_view source_name) {
  Diagnostics diag{std::string(source_name)};
  auto document = read_document(yaml_text, diag);
  if (!document) return diag.to_error();
  Decoded decoded = decode(*document, diag);
  validate(decoded.config, decoded.origins, diag);
  if (!diag.empty()) return diag.to_error();
  return std::move(decoded.config);
}

Result<Config> load_file(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return text.error();
  return parse(*text, path);
}

// What the running program was built or attached with: the BPF program's
// read-only parameters (ring size, seed, limits, outer TTL) and where it lives.
// Everything else (VIPs, backends, encap sources, gateway, on_exit, BGP peers
// and timers) is applied live.
std::vector<std::string> restart_required_changes(const Config& running, const Config& candidate) {
  std::vector<std::string> changes;
  const Node& a = running.node;
  const Node& b = candidate.node;
  note_change(changes, "node.interface", a.interface, b.interface);
  note_change(changes, "node.xdp_mode", xdp_mode_name(a.xdp_mode), xdp_mode_name(b.xdp_mode));
  note_change(changes, "node.pin_dir", a.pin_dir, b.pin_dir);
  note_change(changes, "node.outer_ttl", std::to_string(a.outer_ttl), std::to_string(b.outer_ttl));
  note_change(changes, "node.metrics_listen", metrics_listen_name(a.metrics_listen),
              metrics_listen_name(b.metrics_listen));
  const Dataplane& x = running.dataplane;
  const Dataplane& y = candidate.dataplane;
  note_change(changes, "dataplane.ring_size", std::to_string(x.ring_size), std::to_string(y.ring_size));
  note_change(changes, "dataplane.hash_seed", hex32(x.hash_seed), hex32(y.hash_seed));
  note_change(changes, "dataplane.max_vips", std::to_string(x.max_vips), std::to_string(y.max_vips));
  note_change(changes, "dataplane.max_backends", std::to_string(x.max_backends), std::to_string(y.max_backends));
  note_change(changes, "dataplane.session_cache_size", std::to_string(x.session_cache_size),
              std::to_string(y.session_cache_size));
  note_change(changes, "dataplane.udp_idle_timeout", std::to_string(x.udp_idle_timeout),
              std::to_string(y.udp_idle_timeout));
  // Peers and timers reload (BIRD reconfigures); where BIRD lives does not.
  note_change(changes, "bgp", running.bgp ? "on" : "off", candidate.bgp ? "on" : "off");
  if (running.bgp && candidate.bgp) {
    note_change(changes, "bgp.bird_config", running.bgp->bird_config, candidate.bgp->bird_config);
    note_change(changes, "bgp.bird_socket", running.bgp->bird_socket, candidate.bgp->bird_socket);
  }
  return changes;
}

uint8_t ip_protocol(Protocol protocol) { return protocol == Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP; }

std::string protocol_name(Protocol protocol) { return protocol == Protocol::Tcp ? "tcp" : "udp"; }

std::string hash_mode_name(HashMode mode) {
  switch (mode) {
    case HashMode::FiveTuple: return "5tuple";
    case HashMode::SourceOnly: return "source";
    case HashMode::Addresses: return "addresses";
  }
  return "unknown";
}

std::string xdp_mode_name(XdpMode mode) { return mode == XdpMode::Native ? "native" : "generic"; }

std::string metrics_listen_name(const std::optional<SocketAddress>& listen) {
  return listen ? listen->str() : "off";
}

std::string on_exit_name(OnExit on_exit) { return on_exit == OnExit::Detach ? "detach" : "keep"; }

std::string backend_state_name(BackendState state) {
  switch (state) {
    case BackendState::Active: return "active";
    case BackendState::Draining: return "draining";
    case BackendState::Down: return "down";
  }
  return "unknown";
}

std::string check_type_name(CheckType type) {
  switch (type) {
    case CheckType::Tcp: return "tcp";
    case CheckType::Http: return "http";
    case CheckType::Https: return "https";
    case CheckType::Udp: return "udp";
    case CheckType::Ping: return "ping";
  }
  return "unknown";
}

std::string vip_label(const Vip& vip) {
  const std::string host = vip.address.is_v6() ? "[" + vip.address.str() + "]" : vip.address.str();
  const std::string port = vip.port == 0 ? "*" : std::to_string(vip.port);
  return host + ":" + port + "/" + protocol_name(vip.protocol);
}

}  // namespace xlb::config
