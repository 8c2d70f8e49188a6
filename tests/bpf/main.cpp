// The bpf test binary runs in a network namespace of its own, so the kernel
// FIB that the XDP program consults holds only what a test puts there: the
// results never depend on the machine's routes.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>

#include "common/system.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (geteuid() == 0) {
    if (unshare(CLONE_NEWNET) != 0) {
      std::perror("unshare(CLONE_NEWNET)");
      return 1;
    }
    (void)xlb::run_command({"ip", "link", "set", "lo", "up"});
  }
  return RUN_ALL_TESTS();
}
