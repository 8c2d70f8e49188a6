#include "bpf/xdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>

namespace xlb::bpf {

namespace {
uint32_t mode_flags(XdpMode mode) { return mode == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE; }

Result<std::string> program_name(uint32_t prog_id) {
  int fd = bpf_prog_get_fd_by_id(prog_id);
  if (fd < 0) return errno_error("open attached program id " + std::to_string(prog_id), errno);
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  int rc = bpf_obj_get_info_by_fd(fd, &info, &len);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_error("read attached program info", err);
  return std::string(info.name);
}
}  // namespace

Result<int> interface_index(const std::string& name) {
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) return errno_error("interface '" + name + "'", errno);
  return static_cast<int>(idx);
}

Result<std::string> xdp_attached_name(int ifindex) {
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  if (bpf_xdp_query(ifindex, 0, &q) != 0) return errno_error("query XDP on ifindex " + std::to_string(ifindex), errno);
  uint32_t id = q.prog_id;
  if (id == 0) return std::string();
  return program_name(id);
}

namespace {
std::string kernel_name(const std::string& name) { return name.substr(0, BPF_OBJ_NAME_LEN - 1); }
}  // namespace

Result<bool> xdp_attached_is(int ifindex, const std::string& expected_name) {
  auto current = xdp_attached_name(ifindex);
  if (!current) return current.error();
  return *current == kernel_name(expected_name);
}

Status xdp_attach(int ifindex, int prog_fd, XdpMode mode, const std::string& expected_name) {
  auto current = xdp_attached_name(ifindex);
  if (!current) return current.error();
  if (!current->empty() && *current != kernel_name(expected_name))
    return Error{"interface ifindex " + std::to_string(ifindex) + " already runs XDP program '" + *current +
                 "', not ours: detach it first (ip link set dev IFACE xdp off)"};
  if (bpf_xdp_attach(ifindex, prog_fd, mode_flags(mode), nullptr) != 0)
    return errno_error(std::string("attach XDP (") + (mode == XdpMode::Native ? "native" : "generic") +
                           " mode) on ifindex " + std::to_string(ifindex),
                       errno);
  return {};
}

Status xdp_detach(int ifindex, XdpMode mode) {
  if (bpf_xdp_detach(ifindex, mode_flags(mode), nullptr) != 0 && errno != ENOENT)
    return errno_error("detach XDP from ifindex " + std::to_string(ifindex), errno);
  return {};
}

Result<TestRunResult> xdp_test_run(int prog_fd, const std::vector<uint8_t>& packet, int ingress_ifindex,
                                   uint32_t repeat) {
  TestRunResult out;
  xdp_md ctx{};
  ctx.data_end = static_cast<uint32_t>(packet.size());
  ctx.ingress_ifindex = static_cast<uint32_t>(ingress_ifindex);
  // Room for the packet to grow by an outer header (and some more).
  out.packet.resize(packet.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_out = out.packet.data(),
              .data_size_in = static_cast<uint32_t>(packet.size()),
              .data_size_out = static_cast<uint32_t>(out.packet.size()),
              .ctx_in = ingress_ifindex ? &ctx : nullptr, .ctx_size_in = ingress_ifindex ? uint32_t(sizeof(ctx)) : 0u,
              .repeat = static_cast<int>(repeat));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) return errno_error("BPF_PROG_TEST_RUN", errno);
  out.action = opts.retval;
  out.packet.resize(opts.data_size_out);
  out.duration_ns = opts.duration;
  return out;
}

const char* xdp_action_name(uint32_t action) {
  switch (action) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return "XDP_UNKNOWN";
  }
}

}  // namespace xlb::bpf
