// Tests for the serve command's status, request id and slow log flags.
#include "server/status_flags.h"

#include <gtest/gtest.h>

namespace portico::server {
namespace {

TEST(StatusFlagsTest, NothingGivenLeavesStatusOff) {
  std::optional<StatusOptions> status;
  http::ServerOptions server;
  std::string err;
  ASSERT_TRUE(apply_status_flags({}, &status, server, &err)) << err;
  EXPECT_FALSE(status);
  EXPECT_EQ(server.request_id_header, "X-Request-Id");
  EXPECT_EQ(server.slow_request_ms, 0u);
}

TEST(StatusFlagsTest, TranslatesEveryFlag) {
  StatusFlags f;
  f.path = "/_s/";
  f.allow = {"10.0.0.0/8", "::1"};
  f.slow_request = "250ms";
  f.request_id_header = "X-Trace";
  std::optional<StatusOptions> status;
  http::ServerOptions server;
  std::string err;
  ASSERT_TRUE(apply_status_flags(f, &status, server, &err)) << err;
  ASSERT_TRUE(status);
  EXPECT_EQ(status->path, "/_s");
  EXPECT_TRUE(status->allow.contains(*net::InetAddress::parse("10.1.2.3:1")));
  EXPECT_FALSE(status->allow.contains(*net::InetAddress::parse("127.0.0.1:1")));
  EXPECT_EQ(server.slow_request_ms, 250u);
  EXPECT_EQ(server.request_id_header, "X-Trace");
}

TEST(StatusFlagsTest, DefaultAllowListIsLoopback) {
  StatusFlags f;
  f.path = "/s";
  std::optional<StatusOptions> status;
  http::ServerOptions server;
  std::string err;
  ASSERT_TRUE(apply_status_flags(f, &status, server, &err));
  EXPECT_TRUE(status->allow.contains(*net::InetAddress::parse("127.0.0.1:1")));
  EXPECT_TRUE(status->allow.contains(*net::InetAddress::parse("[::1]:1")));
  EXPECT_FALSE(status->allow.contains(*net::InetAddress::parse("192.168.1.1:1")));
}

TEST(StatusFlagsTest, RejectsBadValuesNamingTheFlag) {
  struct Case {
    StatusFlags flags;
    std::string message;
  };
  std::vector<Case> cases = {
      {{.path = "nope"}, "--status: status path 'nope'"},
      {{.path = "/s", .allow = {"10.0.0.1/8"}}, "--status-allow '10.0.0.1/8'"},
      {{.allow = {"10.0.0.0/8"}}, "--status-allow needs --status PATH"},
      {{.slow_request = "0"}, "--slow-request '0'"},
      {{.request_id_header = "X Id"}, "--request-id-header 'X Id' is not a field name"},
  };
  for (const auto& c : cases) {
    std::optional<StatusOptions> status;
    http::ServerOptions server;
    std::string err;
    EXPECT_FALSE(apply_status_flags(c.flags, &status, server, &err)) << c.message;
    EXPECT_EQ(err.substr(0, c.message.size()), c.message) << err;
  }
}

TEST(StatusFlagsTest, AnEmptyRequestIdHeaderMeansAlwaysGenerate) {
  StatusFlags f;
  f.request_id_header = "";
  std::optional<StatusOptions> status;
  http::ServerOptions server;
  std::string err;
  ASSERT_TRUE(apply_status_flags(f, &status, server, &err));
  EXPECT_EQ(server.request_id_header, "");
}

}  // namespace
}  // namespace portico::server
