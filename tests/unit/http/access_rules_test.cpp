// Tests for AccessRules: parsing, first match wins, the implicit default.
#include "portico/http/access_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::http {
namespace {

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }

AccessRules rules(std::vector<std::string> entries) {
  std::string error;
  auto r = AccessRules::parse(entries, &error);
  EXPECT_TRUE(r) << error;
  return r.value_or(AccessRules());
}

TEST(AccessRules, AllowsEveryoneWithoutRules) {
  AccessRules r;
  EXPECT_TRUE(r.allows(ip("192.0.2.1")));
  EXPECT_TRUE(r.allows(ip("::1")));
  EXPECT_EQ(r.to_string(), "(default allow)");
}

TEST(AccessRules, FirstMatchWins) {
  AccessRules r = rules({"deny 10.0.0.5", "allow 10.0.0.0/8", "deny all"});
  EXPECT_FALSE(r.allows(ip("10.0.0.5")));
  EXPECT_TRUE(r.allows(ip("10.0.0.6")));
  EXPECT_FALSE(r.allows(ip("192.0.2.1")));
  EXPECT_FALSE(r.allows(ip("::1")));
  AccessRules reversed = rules({"allow 10.0.0.0/8", "deny 10.0.0.5"});
  EXPECT_TRUE(reversed.allows(ip("10.0.0.5")));  // the earlier allow already matched
}

TEST(AccessRules, DefaultIsTheOppositeOfTheLastRule) {
  AccessRules only_allow = rules({"allow 127.0.0.1", "allow ::1"});
  EXPECT_TRUE(only_allow.allows(ip("127.0.0.1")));
  EXPECT_TRUE(only_allow.allows(ip("::1")));
  EXPECT_FALSE(only_allow.allows(ip("127.0.0.2")));
  EXPECT_EQ(only_allow.to_string(), "allow 127.0.0.1; allow ::1; (default deny)");
  AccessRules only_deny = rules({"deny 192.0.2.0/24"});
  EXPECT_FALSE(only_deny.allows(ip("192.0.2.9")));
  EXPECT_TRUE(only_deny.allows(ip("198.51.100.1")));
}

TEST(AccessRules, Ipv4RulesCoverIpv4MappedPeers) {
  AccessRules r = rules({"allow 127.0.0.0/8"});
  EXPECT_TRUE(r.allows(ip("::ffff:127.0.0.1")));
  EXPECT_FALSE(r.allows(ip("::1")));
}

TEST(AccessRules, AllMeansBothFamilies) {
  AccessRules r = rules({"allow ::1", "deny all"});
  EXPECT_TRUE(r.allows(ip("::1")));
  EXPECT_FALSE(r.allows(ip("2001:db8::1")));
  EXPECT_FALSE(r.allows(ip("127.0.0.1")));
}

TEST(AccessRules, ParseNamesTheBadEntry) {
  struct Bad {
    std::string entry;
    std::string error;
  };
  const Bad cases[] = {
      {"permit 10.0.0.0/8", "'permit 10.0.0.0/8': expected 'allow NETWORK' or 'deny NETWORK'"},
      {"allow", "'allow': missing network (a CIDR, an address or 'all')"},
      {"deny 10.0.0.1/8", "'deny 10.0.0.1/8': host bits set (the network is 10.0.0.0/8)"},
      {"allow everyone", "'allow everyone': not an IPv4 or IPv6 address"},
  };
  for (const auto& c : cases) {
    std::string error;
    std::vector<std::string> entries = {"allow 10.0.0.0/8", c.entry};
    EXPECT_FALSE(AccessRules::parse(entries, &error)) << c.entry;
    EXPECT_EQ(error, c.error);
  }
}

TEST(AccessRules, MakeRuleKeepsTheText) {
  auto r = AccessRules::make_rule(AccessAction::kDeny, "2001:db8::/32");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "deny 2001:db8::/32");
  EXPECT_EQ(r->networks.size(), 1u);
  EXPECT_FALSE(AccessRules::make_rule(AccessAction::kAllow, "10.0.0.0/33"));
}

}  // namespace
}  // namespace portico::http
