// Tests for turning access config into policies, trusted proxies and status descriptions.
#include "server/access_setup.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace portico::server {
namespace {

TEST(AccessSetup, BuildsRulesAndARateLimiterFromConfig) {
  AccessConfig c;
  c.rules = {"deny 10.0.0.5", "allow 10.0.0.0/8"};
  c.rate_limit = http::RateLimit{http::Rate{10, 1000}, 20, {}};
  http::AccessPolicy p = build_access_policy(c);
  EXPECT_FALSE(p.rules.allows(*net::IpAddress::parse("10.0.0.5")));
  EXPECT_TRUE(p.rules.allows(*net::IpAddress::parse("10.0.0.6")));
  ASSERT_TRUE(p.rate_limit);
  EXPECT_EQ(p.rate_limit->limit().burst, 20u);
  EXPECT_FALSE(p.auth);
  EXPECT_TRUE(build_access_policy(AccessConfig{}).empty());
}

TEST(AccessSetup, ReportsAMissingUserFile) {
  AccessConfig c;
  c.auth_file = "/nonexistent/users.txt";
  EXPECT_THROW(build_access_policy(c), std::runtime_error);
}

TEST(AccessSetup, BuildsTrustedProxies) {
  auto t = build_trusted_proxies({"127.0.0.1", "10.0.0.0/8"}, http::ForwardedField::kForwarded);
  EXPECT_TRUE(t.networks.contains(*net::IpAddress::parse("10.9.9.9")));
  EXPECT_EQ(t.field, http::ForwardedField::kForwarded);
  EXPECT_THROW(build_trusted_proxies({"10.0.0.1/8"}, {}), std::invalid_argument);
}

TEST(AccessSetup, DescribesTheLimitsOfSitesAndRoutes) {
  http::Site site;
  site.hosts = {"example.test"};
  site.access.rules = *http::AccessRules::parse(std::vector<std::string>{"allow 10.0.0.0/8"});
  http::Route api{.path = "/api/",
                  .action = http::Handler([](const http::Request&, http::Response&) {})};
  api.access.rate_limit = std::make_shared<http::RateLimiter>(
      http::RateLimit{http::Rate{600, 60'000}, 50, {http::RateKeyKind::kHeader, "X-Api-Key"}});
  http::Route plain{.path = "/",
                    .action = http::Handler([](const http::Request&, http::Response&) {})};
  site.routes = {api, plain};
  http::SiteRouter router({site});
  std::vector<AccessLimitInfo> info = describe_access(router);
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[0].site, "example.test");
  EXPECT_EQ(info[0].route, "");
  EXPECT_EQ(info[0].rules, "allow 10.0.0.0/8; (default deny)");
  EXPECT_EQ(info[1].route, "/api/");
  EXPECT_EQ(info[1].rate, "600/min burst 50 per header:X-Api-Key");
  EXPECT_EQ(info[1].rate_rejected, 0u);
}

}  // namespace
}  // namespace portico::server
