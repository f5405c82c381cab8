// Tests for the daemon's process chores: pidfile, systemd notification, privilege dropping.
#include "server/daemon_process.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace portico::server {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("portico-" + std::to_string(::getpid()) + "-" + name);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

TEST(Pidfile, WritesThePidAndRemovesItAtTheEnd) {
  fs::path p = temp_path("a.pid");
  {
    Pidfile pid(p.string());
    EXPECT_EQ(read_text(p), std::to_string(::getpid()));
  }
  EXPECT_FALSE(fs::exists(p));
}

TEST(Pidfile, ReplacesAStalePidfile) {
  fs::path p = temp_path("stale.pid");
  std::ofstream(p) << "999999999\n";  // no such process
  {
    Pidfile pid(p.string());
    EXPECT_EQ(read_text(p), std::to_string(::getpid()));
  }
  EXPECT_FALSE(fs::exists(p));
}

TEST(Pidfile, RefusesWhenAnotherLiveProcessHoldsIt) {
  fs::path p = temp_path("live.pid");
  std::ofstream(p) << ::getppid() << "\n";  // the parent is alive
  try {
    Pidfile pid(p.string());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("already running (pid " + std::to_string(::getppid())),
              std::string::npos);
  }
  fs::remove(p);
}

TEST(NotifySystemd, DoesNothingWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify_systemd("READY=1"));
}

TEST(NotifySystemd, SendsOneDatagramToTheSocket) {
  fs::path p = temp_path("notify.sock");
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", p.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::setenv("NOTIFY_SOCKET", p.c_str(), 1);
  EXPECT_TRUE(notify_systemd("READY=1\nSTATUS=serving"));
  ::unsetenv("NOTIFY_SOCKET");
  char buf[128];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "READY=1\nSTATUS=serving");
  ::close(fd);
  fs::remove(p);
}

TEST(DropPrivileges, DoesNothingWithoutAUser) { EXPECT_NO_THROW(drop_privileges("", "")); }

TEST(DropPrivileges, RejectsAnUnknownUser) {
  EXPECT_THROW(drop_privileges("no-such-user-portico", ""), std::runtime_error);
}

}  // namespace
}  // namespace portico::server
