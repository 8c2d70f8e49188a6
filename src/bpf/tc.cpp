#include "bpf/tc.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <string>

namespace xlb::bpf {

namespace {

// xlb's filter is known by its handle and priority, so that attach replaces
// it and detach removes it without touching anyone else's.
constexpr uint32_t kFilterHandle = 0x786c62;  // "xlb"
constexpr uint32_t kFilterPriority = 0xb1;

// libbpf prints the kernel's complaint when there is no clsact qdisc to look
// in; for detach that is the normal "nothing attached" answer.
class QuietLibbpf {
 public:
  QuietLibbpf() : saved_(libbpf_set_print(nullptr)) {}
  ~QuietLibbpf() { libbpf_set_print(saved_); }
  QuietLibbpf(const QuietLibbpf&) = delete;
  QuietLibbpf& operator=(const QuietLibbpf&) = delete;

 private:
  libbpf_print_fn_t saved_;
};

std::string where(int ifindex) { return "tc egress of ifindex " + std::to_string(ifindex); }

}  // namespace

Status tc_egress_attach(int ifindex, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST) return errno_error("create the clsact qdisc on ifindex " + std::to_string(ifindex), -err);
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kFilterHandle,
              .priority = kFilterPriority);
  if (int rc = bpf_tc_attach(&hook, &opts); rc) return errno_error("attach the MSS clamp at " + where(ifindex), -rc);
  return {};
}

Status tc_egress_detach(int ifindex) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kFilterHandle, .priority = kFilterPriority);
  QuietLibbpf quiet;
  int rc = bpf_tc_detach(&hook, &opts);
  // No qdisc (EINVAL from the kernel's lookup) or no filter: nothing to remove.
  if (rc && rc != -ENOENT && rc != -EINVAL) return errno_error("detach from " + where(ifindex), -rc);
  return {};
}

Result<TcRunResult> tc_test_run(int prog_fd, const std::vector<uint8_t>& packet) {
  TcRunResult out;
  out.packet.resize(packet.size() + 64);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_out = out.packet.data(),
              .data_size_in = static_cast<uint32_t>(packet.size()),
              .data_size_out = static_cast<uint32_t>(out.packet.size()), .repeat = 1);
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) return errno_error("BPF_PROG_TEST_RUN (tc)", errno);
  out.action = static_cast<int>(opts.retval);
  out.packet.resize(opts.data_size_out);
  return out;
}

}  // namespace xlb::bpf
