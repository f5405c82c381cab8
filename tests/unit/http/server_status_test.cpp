// Tests for gathering the connection picture from loops (here: loops that are not running,
// which run posted work at once on their own thread).
#include "portico/http/server_status.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(ServerStatusTest, NamesPhasesAndTcpStates) {
  EXPECT_EQ(to_string(ConnectionPhase::kIdle), "idle");
  EXPECT_EQ(to_string(ConnectionPhase::kHandshake), "handshake");
  EXPECT_EQ(tcp_state_name(1), "ESTABLISHED");
  EXPECT_EQ(tcp_state_name(8), "CLOSE_WAIT");
  EXPECT_EQ(tcp_state_name(6), "TIME_WAIT");
  EXPECT_EQ(tcp_state_name(200), "UNKNOWN");
}

TEST(ServerStatusTest, GathersEveryLoopAndAnswersOnce) {
  net::EventLoop a;
  net::EventLoop b;
  int calls = 0;
  ServerStatus got;
  collect_server_status({&a, &b}, &a, {}, [&](ServerStatus s) {
    ++calls;
    got = std::move(s);
  });
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(got.workers.size(), 2u);
  EXPECT_EQ(got.workers[0].index, 0);
  EXPECT_EQ(got.workers[1].index, 1);
  EXPECT_EQ(got.total_connections, 0u);
}

TEST(ServerStatusTest, NoLoopsStillAnswers) {
  net::EventLoop a;
  bool called = false;
  collect_server_status({}, &a, {}, [&](ServerStatus s) {
    called = true;
    EXPECT_TRUE(s.workers.empty());
  });
  EXPECT_TRUE(called);
}

TEST(ServerStatusTest, MergesUpstreamViewsOfTheLoops) {
  net::EventLoop a;
  net::EventLoop b;
  int loop = 0;
  CollectOptions options;
  options.upstreams = [&loop](std::vector<UpstreamStatus>& out) {
    // Loop 0 sees s2 down; loop 1 sees both up.
    bool first = loop++ == 0;
    out.push_back({.pool = "api",
                   .server = "s2",
                   .up = !first,
                   .active = 1,
                   .picks = 10,
                   .failures = first ? 3u : 0u});
    out.push_back({.pool = "api", .server = "s1", .up = true, .active = 2, .picks = 5});
  };
  ServerStatus got;
  collect_server_status({&a, &b}, &a, options, [&](ServerStatus s) { got = std::move(s); });
  ASSERT_EQ(got.upstreams.size(), 2u);
  const UpstreamStatus& s1 = got.upstreams[0];
  const UpstreamStatus& s2 = got.upstreams[1];
  EXPECT_EQ(s1.server, "s1");  // sorted
  EXPECT_TRUE(s1.up);
  EXPECT_EQ(s1.loops, 2u);
  EXPECT_EQ(s1.up_loops, 2u);
  EXPECT_EQ(s1.active, 4u);
  EXPECT_EQ(s1.picks, 10u);
  EXPECT_FALSE(s2.up);  // down on one loop: reported down
  EXPECT_EQ(s2.up_loops, 1u);
  EXPECT_EQ(s2.failures, 3u);
}

}  // namespace
}  // namespace portico::http
