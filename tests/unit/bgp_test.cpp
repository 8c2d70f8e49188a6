// The BGP side of a node: the BIRD config the agent writes, which VIPs are
// worth announcing, the control-socket conversation (against a fake BIRD),
// and the watchdog that withdraws the routes when the agent is gone.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bgp/announcer.h"
#include "bgp/bird_config.h"
#include "bgp/bird_control.h"
#include "bgp/watchdog.h"

namespace xlb::bgp {
namespace {

IpAddr ip(const char* text) { return *IpAddr::parse(text); }

config::Bgp sample(const std::string& dir) {
  config::Bgp b;
  b.local_as = 65001;
  b.router_id = ip("198.18.1.2");
  b.peers = {{ip("198.18.1.1"), 65000}, {ip("2001:db8:0:2::1"), 65000}};
  b.bird_config = dir + "/bird.conf";
  b.bird_socket = dir + "/bird.ctl";
  return b;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A BIRD control socket that answers every command with `reply` and keeps
// the commands it got.
class FakeBird {
 public:
  FakeBird(const std::string& path, std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
    ::unlink(path.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeBird() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int commands() const { return commands_; }

 private:
  void serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      const char hello[] = "0001 BIRD fake ready.\n";
      (void)!::write(c, hello, sizeof(hello) - 1);
      char buf[256];
      if (::read(c, buf, sizeof(buf)) > 0) {
        ++commands_;
        (void)!::write(c, reply_.data(), reply_.size());
      }
      ::close(c);
    }
  }
  std::string reply_;
  int fd_;
  std::atomic<int> commands_{0};
  std::thread thread_;
};

class Bgp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xlb-bgp-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir() const { return dir_.string(); }
  std::filesystem::path dir_;
};

TEST(BirdConfig, SessionsPerPeerExportOnlyTheirFamilysStaticRoutes) {
  auto b = sample("/run/xlb");
  auto text = render_bird_config(b);
  EXPECT_NE(text.find("router id 198.18.1.2;\n"), std::string::npos);
  EXPECT_NE(text.find("include \"/run/xlb/xlb-routes.conf\";\n"), std::string::npos);
  EXPECT_NE(text.find("min rx interval 100 ms;"), std::string::npos);
  EXPECT_NE(text.find("protocol bgp xlb_peer1 {\n  local as 65001;\n  neighbor 198.18.1.1 as 65000;\n"
                      "  hold time 9;\n  keepalive time 3;\n  connect retry time 5;\n  bfd on;\n"
                      "  ipv4 {\n    import none;\n    export where proto = \"xlb_vips4\";\n  };\n}\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("neighbor 2001:db8:0:2::1 as 65000;"), std::string::npos);
  EXPECT_NE(text.find("  ipv6 {\n    import none;\n    export where proto = \"xlb_vips6\";"), std::string::npos);
  b.bfd = false;
  text = render_bird_config(b);
  EXPECT_EQ(text.find("protocol bfd"), std::string::npos);
  EXPECT_NE(text.find("bfd off;"), std::string::npos);
}

TEST(BirdConfig, RoutesFileHoldsBothStaticProtocolsEvenEmpty) {
  EXPECT_EQ(render_routes({ip("198.51.100.10"), ip("2001:db8:100::10"), ip("203.0.113.10")}),
            "# Written by xlb-agent: the VIPs this node announces now.\n"
            "protocol static xlb_vips4 {\n  ipv4;\n  route 198.51.100.10/32 blackhole;\n"
            "  route 203.0.113.10/32 blackhole;\n}\n"
            "protocol static xlb_vips6 {\n  ipv6;\n  route 2001:db8:100::10/128 blackhole;\n}\n");
  EXPECT_EQ(render_routes({}),
            "# Written by xlb-agent: the VIPs this node announces now.\n"
            "protocol static xlb_vips4 {\n  ipv4;\n}\nprotocol static xlb_vips6 {\n  ipv6;\n}\n");
}

TEST(ServableVips, AnAddressNeedsOneActiveBackendWithWeight) {
  using l4::BackendState;
  auto svc = [](const char* vip, uint16_t port, std::vector<l4::BackendSpec> backends) {
    return l4::ServiceSpec{{ip(vip), port, IPPROTO_TCP}, 0, {}, std::move(backends)};
  };
  auto vips = servable_vips({
      svc("198.51.100.10", 80, {{ip("198.18.11.2"), 1, BackendState::Down}}),
      svc("198.51.100.10", 443, {{ip("198.18.11.2"), 1, BackendState::Active}}),  // one port is enough
      svc("198.51.100.11", 80, {{ip("198.18.11.2"), 1, BackendState::Draining}}),
      svc("198.51.100.12", 80, {{ip("198.18.11.2"), 0, BackendState::Active}}),
      svc("198.51.100.13", 80, {}),
      svc("2001:db8:100::10", 80, {{ip("2001:db8:0:11::2"), 2, BackendState::Active}}),
  });
  EXPECT_EQ(vips, (std::set<IpAddr>{ip("198.51.100.10"), ip("2001:db8:100::10")}));
}

TEST_F(Bgp, ConfigureSucceedsOnReconfiguredAndReportsBirdsError) {
  {
    FakeBird bird(dir() + "/bird.ctl", "0002-Reading configuration from x\n0003 Reconfigured\n");
    EXPECT_TRUE(bird_configure(dir() + "/bird.ctl").ok());
    EXPECT_EQ(bird.commands(), 1);
  }
  {
    FakeBird bird(dir() + "/bird.ctl", "0002-Reading configuration from x\n8002 x:1:41 syntax error\n");
    auto st = bird_configure(dir() + "/bird.ctl");
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("BIRD refused its new configuration"), std::string::npos);
    EXPECT_NE(st.error().message.find("x:1:41 syntax error"), std::string::npos);
  }
  auto st = bird_configure(dir() + "/nobody.ctl");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("is bird running?"), std::string::npos);
}

TEST_F(Bgp, AnnouncerWritesFilesAndRetriesADeadBird) {
  auto b = sample(dir());
  RouteAnnouncer a;
  EXPECT_FALSE(a.configure(b).ok());  // no BIRD yet: the files are written all the same
  EXPECT_TRUE(a.pending());
  EXPECT_EQ(read(dir() + "/bird.conf"), render_bird_config(b));
  EXPECT_EQ(read(dir() + "/xlb-routes.conf"), render_routes({}));

  EXPECT_FALSE(a.announce({ip("198.51.100.10")}).ok());
  EXPECT_EQ(read(dir() + "/xlb-routes.conf"), render_routes({ip("198.51.100.10")}));

  FakeBird bird(b.bird_socket, "0003 Reconfigured\n");
  EXPECT_TRUE(a.retry().ok());
  EXPECT_FALSE(a.pending());
  EXPECT_TRUE(a.announce({ip("198.51.100.10")}).ok());
  EXPECT_EQ(bird.commands(), 1) << "announcing what is already announced asks BIRD nothing";
  EXPECT_TRUE(a.announce({}).ok());
  EXPECT_EQ(bird.commands(), 2);
  EXPECT_EQ(read(dir() + "/xlb-routes.conf"), render_routes({}));
}

TEST_F(Bgp, WatchdogWithdrawsWhenTheAgentIsGoneAndHoldsTheLockUntilThen) {
  auto b = sample(dir());
  FakeBird bird(b.bird_socket, "0003 Reconfigured\n");
  RouteAnnouncer a;
  ASSERT_TRUE(a.configure(b).ok());
  ASSERT_TRUE(a.announce({ip("198.51.100.10")}).ok());
  {
    auto wd = RouteWatchdog::start(b);
    ASSERT_TRUE(wd.ok()) << wd.error().message;
    // A second agent for the same BIRD is refused while the first lives.
    auto second = RouteWatchdog::start(b, std::chrono::milliseconds(200));
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("another xlb-agent"), std::string::npos);
    EXPECT_EQ(read(dir() + "/xlb-routes.conf"), render_routes({ip("198.51.100.10")}));
  }  // the pipe closes as it would if the agent died; the destructor waits for the watchdog
  EXPECT_EQ(read(dir() + "/xlb-routes.conf"), render_routes({}));
  EXPECT_EQ(bird.commands(), 3);  // configure, announce, the watchdog's withdraw
  auto again = RouteWatchdog::start(b, std::chrono::milliseconds(200));
  EXPECT_TRUE(again.ok()) << "the lock is free once the watchdog is done";
}

}  // namespace
}  // namespace xlb::bgp
