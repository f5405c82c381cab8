// Tests for forward proxy target parsing and access rules (src/proxy/forward_access.cpp).
#include "portico/proxy/forward_access.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace portico::proxy {
namespace {

ProxyTarget parse_ok(std::string_view text, uint16_t default_port = 0) {
  ProxyTarget t;
  EXPECT_EQ(parse_proxy_target(text, default_port, t), TargetError::kNone) << text;
  return t;
}

TargetError parse_error(std::string_view text, uint16_t default_port = 0) {
  ProxyTarget t;
  return parse_proxy_target(text, default_port, t);
}

net::IpAddress ip(std::string_view text) { return *net::IpAddress::parse(text); }

TEST(ParseProxyTarget, ParsesNamesAndAddressesWithPorts) {
  ProxyTarget t = parse_ok("Example.COM:443");
  EXPECT_EQ(t.host, "example.com");
  EXPECT_EQ(t.port, 443);
  EXPECT_FALSE(t.ip_literal);
  t = parse_ok("10.0.0.1:8080");
  EXPECT_EQ(t.host, "10.0.0.1");
  EXPECT_TRUE(t.ip_literal);
  t = parse_ok("[2001:DB8::1]:443");
  EXPECT_EQ(t.host, "2001:db8::1");
  EXPECT_TRUE(t.ip_literal);
  EXPECT_EQ(t.authority(), "[2001:db8::1]:443");
  EXPECT_EQ(parse_ok("host.example.:65535").host, "host.example");
}

TEST(ParseProxyTarget, ConnectRequiresAPort) {
  EXPECT_EQ(parse_error("example.com"), TargetError::kMissingPort);
  EXPECT_EQ(parse_error("example.com:"), TargetError::kMissingPort);
  EXPECT_EQ(parse_error("[::1]"), TargetError::kMissingPort);
}

TEST(ParseProxyTarget, AbsoluteFormTakesTheDefaultPort) {
  EXPECT_EQ(parse_ok("example.com", 80).port, 80);
  EXPECT_EQ(parse_ok("example.com:", 80).port, 80);
  EXPECT_EQ(parse_ok("example.com:8080", 80).port, 8080);
}

TEST(ParseProxyTarget, RejectsPortsOutsideOneTo65535) {
  EXPECT_EQ(parse_error("a:0"), TargetError::kBadPort);
  EXPECT_EQ(parse_error("a:65536"), TargetError::kBadPort);
  EXPECT_EQ(parse_error("a:999999"), TargetError::kBadPort);
  EXPECT_EQ(parse_error("a:-1"), TargetError::kBadPort);
  EXPECT_EQ(parse_error("a:+80"), TargetError::kBadPort);
  EXPECT_EQ(parse_error("a:80:80"), TargetError::kBadPort);
}

TEST(ParseProxyTarget, RejectsUserInfoAndBadHosts) {
  EXPECT_EQ(parse_error("user@example.com:443"), TargetError::kUserInfo);
  EXPECT_EQ(parse_error("u:p@example.com:443"), TargetError::kUserInfo);
  EXPECT_EQ(parse_error(":443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error("a..b:443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error("a%2eb:443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error("[::1:443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error("[10.0.0.1]:443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error("[v1.x]:443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error("[::1]x:443"), TargetError::kBadHost);
  EXPECT_EQ(parse_error(std::string(64, 'a') + ".com:443"), TargetError::kBadHost);
}

TEST(ForwardAccess, DefaultsAllowPorts443And80Only) {
  ForwardAccess a{ForwardAccessOptions{}};
  EXPECT_EQ(a.check_target(parse_ok("example.com:443")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_target(parse_ok("example.com:80")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_target(parse_ok("example.com:22")), AccessVerdict::kPortDenied);
}

TEST(ForwardAccess, DeniesNonPublicNetworksByDefault) {
  ForwardAccess a{ForwardAccessOptions{}};
  for (const char* denied :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1",
        "fd00::1", "0.0.0.0", "100.64.0.1", "224.0.0.1", "::ffff:127.0.0.1"}) {
    EXPECT_EQ(a.check_address(ip(denied)), AccessVerdict::kNetworkDenied) << denied;
  }
  EXPECT_EQ(a.check_address(ip("93.184.216.34")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_address(ip("2a00:1450::1")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_target(parse_ok("127.0.0.1:443")), AccessVerdict::kNetworkDenied);
  EXPECT_EQ(a.check_target(parse_ok("[::1]:443")), AccessVerdict::kNetworkDenied);
}

TEST(ForwardAccess, AllowNetworksOptInToNonPublicRanges) {
  ForwardAccessOptions o;
  o.allow_networks = {"127.0.0.0/8"};
  ForwardAccess a(o);
  EXPECT_EQ(a.check_address(ip("127.0.0.1")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_address(ip("::1")), AccessVerdict::kNetworkDenied);
  EXPECT_EQ(a.check_address(ip("10.0.0.1")), AccessVerdict::kNetworkDenied);
}

TEST(ForwardAccess, DenyNetworksWinOverAllowNetworks) {
  ForwardAccessOptions o;
  o.allow_networks = {"10.0.0.0/8"};
  o.deny_networks = {"10.1.0.0/16", "203.0.113.0/24", "198.51.100.7"};
  ForwardAccess a(o);
  EXPECT_EQ(a.check_address(ip("10.2.0.1")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_address(ip("10.1.0.1")), AccessVerdict::kNetworkDenied);
  EXPECT_EQ(a.check_address(ip("198.51.100.7")), AccessVerdict::kNetworkDenied);
}

TEST(ForwardAccess, HostPatternsMatchNamesAndSubdomains) {
  ForwardAccessOptions o;
  o.deny_hosts = {"*.Blocked.test", "exact.test"};
  ForwardAccess a(o);
  EXPECT_EQ(a.check_target(parse_ok("blocked.test:443")), AccessVerdict::kHostDenied);
  EXPECT_EQ(a.check_target(parse_ok("a.b.blocked.test:443")), AccessVerdict::kHostDenied);
  EXPECT_EQ(a.check_target(parse_ok("notblocked.test:443")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_target(parse_ok("exact.test:443")), AccessVerdict::kHostDenied);
  EXPECT_EQ(a.check_target(parse_ok("sub.exact.test:443")), AccessVerdict::kAllowed);
}

TEST(ForwardAccess, AllowHostsRestrictNamesButNotTheirAddresses) {
  ForwardAccessOptions o;
  o.allow_hosts = {".example.com"};
  ForwardAccess a(o);
  EXPECT_EQ(a.check_target(parse_ok("www.example.com:443")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_target(parse_ok("example.org:443")), AccessVerdict::kHostDenied);
  // The name is allowed; what it resolves to is still checked by network (check_address).
  EXPECT_EQ(a.check_address(ip("127.0.0.1")), AccessVerdict::kNetworkDenied);
}

TEST(ForwardAccess, ClientNetworksAdmitOnlyListedClients) {
  ForwardAccess open{ForwardAccessOptions{}};
  EXPECT_EQ(open.check_client(ip("203.0.113.9")), AccessVerdict::kAllowed);
  ForwardAccessOptions o;
  o.client_networks = {"192.0.2.0/24", "2001:db8::/32"};
  ForwardAccess a(o);
  EXPECT_EQ(a.check_client(ip("192.0.2.10")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_client(ip("::ffff:192.0.2.10")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_client(ip("2001:db8::5")), AccessVerdict::kAllowed);
  EXPECT_EQ(a.check_client(ip("127.0.0.1")), AccessVerdict::kClientDenied);
}

TEST(ForwardAccess, RejectsBadEntriesNamingThem) {
  ForwardAccessOptions o;
  o.allow_networks = {"10.0.0.1/8"};
  try {
    ForwardAccess a(o);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("allow_networks: '10.0.0.1/8'"), std::string::npos)
        << e.what();
  }
  ForwardAccessOptions h;
  h.deny_hosts = {"bad host"};
  EXPECT_THROW(ForwardAccess{h}, std::invalid_argument);
  ForwardAccessOptions p;
  p.allowed_ports = {0};
  EXPECT_THROW(ForwardAccess{p}, std::invalid_argument);
}

}  // namespace
}  // namespace portico::proxy
