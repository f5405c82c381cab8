// Tests for active health checks over real sockets: a scripted backend (statuses, hangs,
// nonsense, refusals) and python's http.server; servers go down after `fall` failed probes
// and come back after `rise` passes.
#include "portico/proxy/health_checker.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

#include "portico/net/event_loop.h"
#include "unit/proxy/fake_http_backend.h"

namespace portico::proxy {
namespace {

using testing::FakeHttpBackend;
using Mode = FakeHttpBackend::Mode;

constexpr std::chrono::milliseconds kSafety{10000};

// A port nothing listens on: bound, then closed (connections to it are refused).
uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0;
  ::close(fd);
  EXPECT_TRUE(bound);
  return ntohs(sin.sin_port);
}

class HealthCheckerTest : public ::testing::Test {
 protected:
  static ActiveCheckOptions checks() {
    ActiveCheckOptions o;
    o.path = "/healthz";
    o.interval_ms = 10;
    o.timeout_ms = 2000;  // generous: a loaded machine must not turn passes into timeouts
    o.rise = 2;
    o.fall = 2;
    return o;
  }

  template <typename Pred>
  bool run_until(Pred done) {
    bool timed_out = false;
    auto check = loop_.run_every(std::chrono::milliseconds(1), [&] {
      if (done()) loop_.quit();
    });
    auto safety = loop_.run_after(kSafety, [&] {
      timed_out = true;
      loop_.quit();
    });
    if (!done()) loop_.run();
    loop_.cancel(check);
    loop_.cancel(safety);
    return !timed_out;
  }

  // One server at `address`, with its health and a running checker.
  struct Rig {
    UpstreamSet set;
    std::unique_ptr<UpstreamHealth> health;
    std::unique_ptr<ActiveHealthChecker> checker;
  };
  std::unique_ptr<Rig> rig(const std::string& address, const ActiveCheckOptions& o) {
    auto r = std::make_unique<Rig>();
    r->set.add(UpstreamServer{"s", address, 1});
    r->health = std::make_unique<UpstreamHealth>(r->set, PassiveHealthOptions{}, &o);
    r->checker = std::make_unique<ActiveHealthChecker>(&loop_, r->set, *r->health, o);
    return r;
  }

  static ProbeOutcome last(const Rig& r) { return r.health->active(0)->last_outcome(); }

  net::EventLoop loop_;
};

TEST_F(HealthCheckerTest, AHealthyServerStaysUpAndGetsTheConfiguredRequest) {
  FakeHttpBackend backend;
  auto r = rig(backend.address(), checks());
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return r->checker->probes_completed() >= 3; }));
  EXPECT_TRUE(r->set.is_up(0));
  EXPECT_EQ(last(*r), ProbeOutcome::kPass);
  const std::string req = backend.last_request();
  EXPECT_EQ(req.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("\r\nHost: " + backend.address() + "\r\n"), std::string::npos) << req;
}

TEST_F(HealthCheckerTest, UnexpectedStatusesTakeItDownAndGoodOnesBringItBack) {
  FakeHttpBackend backend;
  backend.set_status(503);
  auto r = rig(backend.address(), checks());
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return !r->set.is_up(0); }));
  EXPECT_EQ(last(*r), ProbeOutcome::kBadStatus);
  EXPECT_GE(r->health->active(0)->consecutive_failures(), 2u);
  backend.set_status(204);
  ASSERT_TRUE(run_until([&] { return r->set.is_up(0); }));
  EXPECT_EQ(r->health->active(0)->consecutive_passes(), 2u);
}

TEST_F(HealthCheckerTest, TheExpectedStatusRangeIsConfigurable) {
  FakeHttpBackend backend;
  backend.set_status(301);
  ActiveCheckOptions o = checks();
  o.expect_status_max = 299;
  auto r = rig(backend.address(), o);
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return !r->set.is_up(0); }));
  EXPECT_EQ(last(*r), ProbeOutcome::kBadStatus);
}

TEST_F(HealthCheckerTest, ARefusedConnectionIsAFailure) {
  auto r = rig("127.0.0.1:" + std::to_string(closed_port()), checks());
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return !r->set.is_up(0); }));
  EXPECT_EQ(last(*r), ProbeOutcome::kConnectFailed);
}

TEST_F(HealthCheckerTest, AServerThatNeverAnswersTimesOut) {
  FakeHttpBackend backend;
  backend.set_mode(Mode::kHang);
  ActiveCheckOptions o = checks();
  o.timeout_ms = 30;
  auto r = rig(backend.address(), o);
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return !r->set.is_up(0); }));
  EXPECT_EQ(last(*r), ProbeOutcome::kTimeout);
}

TEST_F(HealthCheckerTest, NonsenseAndHangUpsAreBadResponses) {
  for (Mode mode : {Mode::kGarbage, Mode::kHangUp}) {
    FakeHttpBackend backend;
    backend.set_mode(mode);
    auto r = rig(backend.address(), checks());
    r->checker->start();
    ASSERT_TRUE(run_until([&] { return !r->set.is_up(0); }));
    EXPECT_EQ(last(*r), ProbeOutcome::kBadResponse);
  }
}

TEST_F(HealthCheckerTest, ProbesTheResolvedAddressWithTheConfiguredPort) {
  FakeHttpBackend backend;
  ActiveCheckOptions o = checks();
  o.host = "health.example";
  auto r = rig("backend.invalid:" + std::to_string(backend.port()), o);
  r->set.set_addresses(0, {*net::InetAddress::from_host_port("127.0.0.1", 0)});
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return r->checker->probes_completed() >= 2; }));
  EXPECT_EQ(last(*r), ProbeOutcome::kPass);
  EXPECT_NE(backend.last_request().find("\r\nHost: health.example\r\n"), std::string::npos);
}

TEST_F(HealthCheckerTest, AnUnresolvedNameCountsAsAConnectFailure) {
  auto r = rig("unresolved.invalid:80", checks());
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return !r->set.is_up(0); }));
  EXPECT_EQ(last(*r), ProbeOutcome::kConnectFailed);
}

TEST_F(HealthCheckerTest, DestroyingTheCheckerMidProbeIsSafe) {
  FakeHttpBackend backend;
  backend.set_mode(Mode::kHang);
  ActiveCheckOptions o = checks();
  o.timeout_ms = 5000;
  auto r = rig(backend.address(), o);
  r->checker->start();
  ASSERT_TRUE(run_until([&] { return backend.requests() >= 1; }));
  r->checker.reset();
  bool waited = false;
  loop_.run_after(std::chrono::milliseconds(30), [&] { waited = true; });
  ASSERT_TRUE(run_until([&] { return waited; }));
  EXPECT_TRUE(r->set.is_up(0));
  EXPECT_EQ(loop_.connection_count(), 0u);
  EXPECT_EQ(loop_.pending_timers(), 0u);
}

// python3 -m http.server as a real backend: "/" is a directory listing (200), a missing file 404.
class PythonHttpServer {
 public:
  PythonHttpServer() {
    dir_ =
        std::filesystem::temp_directory_path() / ("portico-health-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "healthz") << "ok\n";
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);  // its access log
    const std::string d = dir_.string();
    const char* argv[] = {"/usr/bin/python3", "-u",        "-m",          "http.server", "0",
                          "--bind",           "127.0.0.1", "--directory", d.c_str(),     nullptr};
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, const_cast<char**>(argv), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    std::string text;
    // The whole number: a read may end in the middle of it.
    const std::regex port_re("port ([0-9]+) ");
    std::smatch m;
    for (int i = 0; i < 100 && pid_ > 0 && !std::regex_search(text, m, port_re); ++i) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      char buf[256];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    // The read end stays open while the server runs: python writes the line's "\n" separately,
    // and a closed pipe would kill it with BrokenPipeError.
    out_ = out[0];
    if (std::regex_search(text, m, port_re)) port_ = static_cast<uint16_t>(std::stoi(m[1]));
  }
  ~PythonHttpServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  uint16_t port() const { return port_; }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
};

TEST_F(HealthCheckerTest, WorksAgainstPythonHttpServer) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  PythonHttpServer py;
  ASSERT_NE(py.port(), 0) << "http.server did not start";
  const std::string address = "127.0.0.1:" + std::to_string(py.port());
  auto good = rig(address, checks());
  good->checker->start();
  ASSERT_TRUE(run_until([&] { return good->checker->probes_completed() >= 2; }));
  EXPECT_TRUE(good->set.is_up(0));
  EXPECT_EQ(last(*good), ProbeOutcome::kPass);
  good.reset();

  ActiveCheckOptions missing = checks();
  missing.path = "/no-such-file";
  auto bad = rig(address, missing);
  bad->checker->start();
  ASSERT_TRUE(run_until([&] { return !bad->set.is_up(0); }));
  EXPECT_EQ(last(*bad), ProbeOutcome::kBadStatus);
}

}  // namespace
}  // namespace portico::proxy
