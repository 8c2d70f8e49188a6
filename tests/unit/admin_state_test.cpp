// The operator-override file that `xlb l4 drain` writes and the agent reads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/admin_state.h"

namespace xlb::config {
namespace {

class AdminStateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xlb-admin-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "admin-state.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(path_) << text; }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(AdminStateFile, AMissingFileMeansNoOverrides) {
  auto s = load_admin_state(path_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->backends.empty());
}

TEST_F(AdminStateFile, SaveThenLoadGivesTheSameOverrides) {
  AdminState s;
  s.backends[{"198.51.100.10:80/tcp", *IpAddr::parse("198.18.11.2")}] = BackendState::Draining;
  s.backends[{"[2001:db8:100::10]:443/tcp", *IpAddr::parse("2001:db8:0:11::2")}] = BackendState::Down;
  ASSERT_TRUE(save_admin_state(path_, s).ok());
  auto back = load_admin_state(path_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  // Nothing is left beside it: the temporary file was renamed into place.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(AdminStateFile, AMalformedFileIsAnErrorNamingIt) {
  for (const char* text : {"not json", "[]", R"({"version": 9, "backends": []})",
                           R"({"version": 1, "backends": [{"vip": "x", "backend": "nope", "state": "draining"}]})",
                           R"({"version": 1, "backends": [{"vip": "x", "backend": "198.18.11.2", "state": "gone"}]})",
                           R"({"version": 1, "backends": [{"vip": 1}]})"}) {
    write(text);
    auto s = load_admin_state(path_);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.error().message.find(path_), std::string::npos) << s.error().message;
  }
}

TEST_F(AdminStateFile, SavingCreatesAMissingDirectory) {
  AdminState drained;
  drained.node_drained = true;
  const auto path = (dir_ / "no" / "such" / "file.json").string();
  ASSERT_TRUE(save_admin_state(path, drained).ok());
  auto back = load_admin_state(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->node_drained);
}

TEST_F(AdminStateFile, SavingWhereNoDirectoryCanBeSaysSo) {
  write("{}");  // a file where the directory would have to be
  auto st = save_admin_state(path_ + "/file.json", AdminState{});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("create the directory of"), std::string::npos) << st.error().message;
}

TEST_F(AdminStateFile, NodeDrainedIsOptionalAndChecked) {
  write(R"({"version": 1, "backends": []})");
  auto s = load_admin_state(path_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->node_drained);
  write(R"({"version": 1, "node": {"drained": "yes"}, "backends": []})");
  auto bad = load_admin_state(path_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("boolean 'drained'"), std::string::npos) << bad.error().message;
}

TEST(AdminStateStricter, DownBeatsDrainingBeatsActive) {
  EXPECT_EQ(stricter(BackendState::Active, BackendState::Draining), BackendState::Draining);
  EXPECT_EQ(stricter(BackendState::Down, BackendState::Draining), BackendState::Down);
  EXPECT_EQ(stricter(BackendState::Active, BackendState::Active), BackendState::Active);
}

}  // namespace
}  // namespace xlb::config
