// Tests for ProxyOptions: upstream URL and target parsing, balance names, validation messages.
#include "portico/proxy/proxy_options.h"

#include <gtest/gtest.h>

namespace portico::proxy {
namespace {

TEST(ProxyOptionsTest, ParsesUpstreamUrls) {
  std::string err;
  auto u = parse_upstream_url("http://10.0.0.1:9000", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_FALSE(u->https);
  EXPECT_EQ(u->host, "10.0.0.1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->authority, "10.0.0.1:9000");
  EXPECT_EQ(u->path, "");

  u = parse_upstream_url("HTTPS://api.internal/app", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->authority, "api.internal:443");
  EXPECT_EQ(u->path, "/app");

  u = parse_upstream_url("http://[::1]:8080/", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->authority, "[::1]:8080");
  EXPECT_EQ(u->path, "");
}

TEST(ProxyOptionsTest, RejectsMalformedUpstreamUrls) {
  for (const char* bad : {"ftp://x", "10.0.0.1:80", "http://", "http://:80", "http://h:0",
                          "http://h:65536", "http://h:8x", "http://::1:80", "http://u@h:80",
                          "http://h:80/?q", "http://h:80#f", "http://h:"}) {
    std::string err;
    EXPECT_FALSE(parse_upstream_url(bad, &err)) << bad;
    EXPECT_NE(err.find(bad), std::string::npos) << err;
  }
}

TEST(ProxyOptionsTest, ParsesWeightsOnTargets) {
  std::string err;
  auto t = parse_upstream_target("http://h:1;weight=7", &err);
  ASSERT_TRUE(t) << err;
  EXPECT_EQ(t->url, "http://h:1");
  EXPECT_EQ(t->weight, 7u);
  EXPECT_FALSE(parse_upstream_target("http://h:1;weight=0", &err));
  EXPECT_FALSE(parse_upstream_target("http://h:1;weight=1001", &err));
  EXPECT_FALSE(parse_upstream_target("http://h:1;w=2", &err));
}

TEST(ProxyOptionsTest, AppliesBalanceNamesIncludingRedirect) {
  ProxyOptions o;
  EXPECT_TRUE(apply_balance_name("least-conn", o));
  EXPECT_EQ(o.balance, BalancePolicy::kLeastConn);
  EXPECT_FALSE(o.redirect);
  EXPECT_TRUE(apply_balance_name("redirect", o));
  EXPECT_TRUE(o.redirect);
  EXPECT_FALSE(apply_balance_name("fastest", o));
}

TEST(ProxyOptionsTest, ValidatesARoute) {
  ProxyOptions o;
  EXPECT_EQ(o.validate(), "proxy: no upstreams");
  o.upstreams = {{"http://a:1", 1}, {"http://a:1", 1}};
  EXPECT_NE(o.validate().find("listed twice"), std::string::npos);
  o.upstreams = {{"http://a:1/app", 1}};
  EXPECT_NE(o.validate().find("a path is only allowed"), std::string::npos);
  o.redirect = true;
  EXPECT_EQ(o.validate(), "");
  o.redirect = false;
  o.upstreams = {{"http://a:1", 1}};
  o.hash_key = HashKeySource::kHeader;
  EXPECT_NE(o.validate().find("header or cookie name"), std::string::npos);
  o.hash_key_name = "X-User";
  o.balance = BalancePolicy::kSticky;
  o.sticky_cookie = "bad name";
  EXPECT_NE(o.validate().find("not a token"), std::string::npos);
  o.sticky_cookie = "srv";
  EXPECT_EQ(o.validate(), "");
  o.read_timeout_ms = 0;
  EXPECT_NE(o.validate().find("timeouts"), std::string::npos);
}

}  // namespace
}  // namespace portico::proxy
