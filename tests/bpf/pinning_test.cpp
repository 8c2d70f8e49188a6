// A restarted agent takes over the pinned maps: services, backend ids and
// rings survive, traffic keeps its backends, and maps built with other
// load-time settings are refused with a message that says what to do.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "bpf/harness.h"
#include "l4/map_set.h"

namespace xlb::testing {
namespace {

class Pinning : public ::testing::Test {
 protected:
  void SetUp() override {
    XLB_REQUIRE_BPF();
    char tmpl[] = "/tmp/xlb-pin-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(mount("bpf", dir_.c_str(), "bpf", 0, nullptr), 0) << "mount bpffs: " << strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bpf::L4LoadOptions options() {
    xlb_params p = bpf::default_params();
    p.max_vips = 8;
    p.max_backends = 32;
    p.hash_seed = kSeed;
    return {p, dir_ + "/xlb", bpf::PinMode::All};
  }
  std::string dir_;
  bool mounted_ = false;
};

Bytes syn(uint16_t sport) {
  return PacketBuilder().eth(kClientMac, kNodeMac).ipv4("203.0.113.5", "198.51.100.10").tcp(sport, 80, {.flags = kTcpSyn}).build();
}

TEST_F(Pinning, RestartRecoversServicesAndKeepsFlowsOnTheirBackends) {
  const std::vector<l4::ServiceSpec> svcs = {
      service("198.51.100.10", 80, IPPROTO_TCP, {"198.18.11.2", "198.18.12.2", "198.18.13.2"})};
  std::vector<Bytes> first_outputs;
  {
    auto prog = bpf::L4Program::load(options());
    ASSERT_TRUE(prog.ok()) << prog.error().message;
    auto tables = l4::Tables::recover(l4::maps_of(**prog));
    ASSERT_TRUE(tables.ok());
    ASSERT_TRUE(tables->set_node(default_node()).ok());
    ASSERT_TRUE(tables->apply(svcs).ok());
    for (uint16_t port = 1000; port < 1100; ++port)
      first_outputs.push_back(bpf::xdp_test_run((*prog)->prog_fd(), syn(port))->packet);
  }  // the first "agent" exits without unpinning

  auto prog = bpf::L4Program::load(options());
  ASSERT_TRUE(prog.ok()) << prog.error().message;
  auto tables = l4::Tables::recover(l4::maps_of(**prog));
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->services().size(), 1u);
  const auto& recovered = tables->services().begin()->second;
  EXPECT_EQ(recovered.spec.backends.size(), 3u);
  // Before anything is re-applied, the pinned rings already forward as before.
  for (uint16_t port = 1000; port < 1100; ++port)
    EXPECT_EQ(bpf::xdp_test_run((*prog)->prog_fd(), syn(port))->packet, first_outputs[port - 1000]);
  // Re-applying rewrites the rings once (unverified after a restart), with the same result.
  auto summary = tables->apply(svcs);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->rings_written, 1);
  for (uint16_t port = 1000; port < 1100; ++port)
    EXPECT_EQ(bpf::xdp_test_run((*prog)->prog_fd(), syn(port))->packet, first_outputs[port - 1000]);
  EXPECT_EQ(tables->apply(svcs)->unchanged, 1);

  // The CLI's view opens the same pins.
  auto pinned = l4::PinnedMapSet::open(dir_ + "/xlb");
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  EXPECT_EQ((*pinned)->maps().params.hash_seed, kSeed);
}

TEST_F(Pinning, OtherMapSizesAreRefusedWithAReason) {
  { ASSERT_TRUE(bpf::L4Program::load(options()).ok()); }
  auto other = options();
  other.params.max_vips = 9;
  auto prog = bpf::L4Program::load(other);
  ASSERT_FALSE(prog.ok());
  EXPECT_NE(prog.error().message.find("on_exit: detach"), std::string::npos) << prog.error().message;
}

TEST_F(Pinning, ACacheSizeTheKernelRoundsUpStillRestarts) {
  // Per-CPU LRU lists hold a multiple of the CPU count: 7 (or 0, "off") is
  // rounded, and the restarted agent must ask for the rounded size.
  for (uint32_t size : {7u, 0u}) {
    auto o = options();
    o.params.session_cache_size = size;
    { ASSERT_TRUE(bpf::L4Program::load(o).ok()) << "first load, size " << size; }
    auto again = bpf::L4Program::load(o);
    ASSERT_TRUE(again.ok()) << "restart, size " << size << ": " << again.error().message;
    (*again)->unpin_all();
  }
}

TEST_F(Pinning, UnpinLeavesNothingBehind) {
  auto prog = bpf::L4Program::load(options());
  ASSERT_TRUE(prog.ok());
  EXPECT_FALSE(std::filesystem::is_empty(dir_ + "/xlb"));
  (*prog)->unpin_all();
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/xlb"));
  EXPECT_FALSE(bpf::read_pinned_params(dir_ + "/xlb").ok());
}

}  // namespace
}  // namespace xlb::testing
