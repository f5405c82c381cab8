// Tests for InetAddress parsing and formatting.
#include "portico/net/inet_address.h"

#include <gtest/gtest.h>

namespace portico::net {
namespace {

TEST(InetAddress, ParsesIpv4HostAndPort) {
  auto a = InetAddress::parse("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), InetAddress::Family::kIPv4);
  EXPECT_EQ(a->port(), 8080);
  EXPECT_TRUE(a->is_loopback());
  EXPECT_EQ(a->to_string(), "127.0.0.1:8080");
  EXPECT_EQ(a->host_string(), "127.0.0.1");
}

TEST(InetAddress, ParsesBracketedIpv6) {
  auto a = InetAddress::parse("[::1]:8080");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_ipv6());
  EXPECT_EQ(a->port(), 8080);
  EXPECT_TRUE(a->is_loopback());
  EXPECT_EQ(a->to_string(), "[::1]:8080");
  auto any6 = InetAddress::parse("[::]:443");
  ASSERT_TRUE(any6);
  EXPECT_TRUE(any6->is_any());
  EXPECT_EQ(any6->to_string(), "[::]:443");
}

TEST(InetAddress, ParsesAnyAddressForms) {
  for (const char* text : {"*:80", ":80", "80", "0.0.0.0:80"}) {
    auto a = InetAddress::parse(text);
    ASSERT_TRUE(a) << text;
    EXPECT_TRUE(a->is_any()) << text;
    EXPECT_EQ(a->port(), 80) << text;
    EXPECT_EQ(a->to_string(), "0.0.0.0:80") << text;
  }
}

TEST(InetAddress, ParsesPortBoundaries) {
  EXPECT_EQ(InetAddress::parse("1.2.3.4:0")->port(), 0);
  EXPECT_EQ(InetAddress::parse("1.2.3.4:65535")->port(), 65535);
  EXPECT_FALSE(InetAddress::parse("1.2.3.4:65536"));
  EXPECT_FALSE(InetAddress::parse("1.2.3.4:100000"));
}

TEST(InetAddress, RejectsMalformedInput) {
  for (const char* text : {"",
                           ":",
                           "127.0.0.1",
                           "127.0.0.1:",
                           "127.0.0.1:-1",
                           "127.0.0.1:+80",
                           "127.0.0.1:8x",
                           "localhost:80",
                           "256.1.1.1:80",
                           "1.2.3:80",
                           "::1:80",
                           "[::1]",
                           "[::1]80",
                           "[::1:80",
                           "[127.0.0.1]:80",
                           "[zz::1]:80",
                           "[::1%]:80",
                           " 1.2.3.4:80",
                           "1.2.3.4:80 ",
                           "*:",
                           "[::1]:",
                           "1.2.3.4:0080x"}) {
    EXPECT_FALSE(InetAddress::parse(text)) << text;
  }
}

TEST(InetAddress, ParsesNumericIpv6Scope) {
  auto a = InetAddress::parse("[fe80::1%2]:80");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "[fe80::1%2]:80");
}

TEST(InetAddress, ComparesFamilyAddressAndPort) {
  EXPECT_EQ(*InetAddress::parse("127.0.0.1:1"), InetAddress::loopback(1));
  EXPECT_FALSE(*InetAddress::parse("127.0.0.1:1") == InetAddress::loopback(2));
  EXPECT_FALSE(InetAddress::loopback(1) == InetAddress::loopback(1, InetAddress::Family::kIPv6));
  auto a = InetAddress::loopback(5, InetAddress::Family::kIPv6);
  EXPECT_EQ(a.to_string(), "[::1]:5");
  a.set_port(6);
  EXPECT_EQ(a.port(), 6);
}

TEST(InetAddress, RoundTripsThroughSockaddr) {
  auto a = InetAddress::parse("[2001:db8::7]:9000");
  ASSERT_TRUE(a);
  auto b = InetAddress::from_sockaddr(a->sockaddr_ptr(), a->sockaddr_len());
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(InetAddress::from_sockaddr(a->sockaddr_ptr(), 4));
  EXPECT_FALSE(InetAddress::from_sockaddr(nullptr, 0));
}

}  // namespace
}  // namespace portico::net
