// Tests for the effective client address behind trusted proxies (X-Forwarded-For, Forwarded).
#include "portico/http/client_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::http {
namespace {

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }

TrustedProxies trusting(std::initializer_list<const char*> networks,
                        ForwardedField field = ForwardedField::kXForwardedFor) {
  std::vector<net::Cidr> cidrs;
  for (const char* n : networks) cidrs.push_back(*net::Cidr::parse(n));
  return TrustedProxies{net::NetworkSet(cidrs), field};
}

std::string resolve(const char* peer, std::vector<std::string_view> fields,
                    const TrustedProxies& trusted) {
  return client_address(ip(peer), fields, trusted).to_string();
}

TEST(ClientAddress, IsThePeerWithoutTrustedProxies) {
  EXPECT_EQ(resolve("10.0.0.1", {"203.0.113.9"}, TrustedProxies{}), "10.0.0.1");
}

TEST(ClientAddress, IgnoresAForwardedForFromAnUntrustedPeer) {
  // The spoofing case: a client writes the address it wants to be.
  auto t = trusting({"10.0.0.0/8"});
  EXPECT_EQ(resolve("198.51.100.7", {"127.0.0.1"}, t), "198.51.100.7");
  EXPECT_EQ(resolve("198.51.100.7", {"10.0.0.1, 127.0.0.1"}, t), "198.51.100.7");
}

TEST(ClientAddress, TakesTheRightmostUntrustedHop) {
  auto t = trusting({"10.0.0.0/8"});
  EXPECT_EQ(resolve("10.0.0.1", {"203.0.113.9"}, t), "203.0.113.9");
  // A client that sent its own X-Forwarded-For: the proxy appended the real address after it.
  EXPECT_EQ(resolve("10.0.0.1", {"127.0.0.1, 203.0.113.9"}, t), "203.0.113.9");
  // Two trusted proxies in a row.
  EXPECT_EQ(resolve("10.0.0.1", {"1.2.3.4, 203.0.113.9, 10.0.0.2"}, t), "203.0.113.9");
}

TEST(ClientAddress, ReadsSeveralFieldLinesAsOneList) {
  auto t = trusting({"10.0.0.0/8"});
  EXPECT_EQ(resolve("10.0.0.1", {"1.2.3.4", "203.0.113.9, 10.0.0.3"}, t), "203.0.113.9");
}

TEST(ClientAddress, IsTheLeftmostHopWhenEveryHopIsTrusted) {
  auto t = trusting({"10.0.0.0/8"});
  EXPECT_EQ(resolve("10.0.0.1", {"10.0.0.9, 10.0.0.8"}, t), "10.0.0.9");
}

TEST(ClientAddress, IsThePeerWithoutTheField) {
  auto t = trusting({"10.0.0.0/8"});
  EXPECT_EQ(resolve("10.0.0.1", {}, t), "10.0.0.1");
  EXPECT_EQ(resolve("10.0.0.1", {" , "}, t), "10.0.0.1");
}

TEST(ClientAddress, StopsAtAnEntryThatIsNotAnAddress) {
  auto t = trusting({"10.0.0.0/8"});
  EXPECT_EQ(resolve("10.0.0.1", {"203.0.113.9, garbage"}, t), "10.0.0.1");
  EXPECT_EQ(resolve("10.0.0.1", {"203.0.113.9, unknown, 10.0.0.2"}, t), "10.0.0.2");
  EXPECT_EQ(resolve("10.0.0.1", {"203.0.113.9, 10.0.0.2, 010.1.1.1"}, t), "10.0.0.1");
}

TEST(ClientAddress, AcceptsPortsAndIpv6Forms) {
  auto t = trusting({"10.0.0.0/8", "::1"});
  EXPECT_EQ(resolve("10.0.0.1", {"203.0.113.9:4711"}, t), "203.0.113.9");
  EXPECT_EQ(resolve("::1", {"2001:db8::7"}, t), "2001:db8::7");
  EXPECT_EQ(resolve("::1", {"[2001:db8::7]:4711"}, t), "2001:db8::7");
  EXPECT_EQ(resolve("::ffff:10.0.0.1", {"2001:db8::7"}, t), "2001:db8::7");
  EXPECT_EQ(resolve("10.0.0.1", {"::ffff:203.0.113.9"}, t), "203.0.113.9");
}

TEST(ClientAddress, ReadsForwardedForParameters) {
  auto t = trusting({"10.0.0.0/8"}, ForwardedField::kForwarded);
  EXPECT_EQ(resolve("10.0.0.1", {"for=192.0.2.60;proto=http;by=203.0.113.43"}, t), "192.0.2.60");
  EXPECT_EQ(resolve("10.0.0.1", {"for=\"[2001:db8:cafe::17]:4711\""}, t), "2001:db8:cafe::17");
  EXPECT_EQ(resolve("10.0.0.1", {"for=198.51.100.1, FOR=192.0.2.43, for=10.0.0.5"}, t),
            "192.0.2.43");
  EXPECT_EQ(resolve("10.0.0.1", {"for=192.0.2.43, for=unknown"}, t), "10.0.0.1");
  EXPECT_EQ(resolve("10.0.0.1", {"for=192.0.2.43, for=\"_hidden\""}, t), "10.0.0.1");
  EXPECT_EQ(resolve("10.0.0.1", {"for=192.0.2.43, proto=https"}, t), "10.0.0.1");
  EXPECT_EQ(resolve("10.0.0.1", {"for=192.0.2.43;for=192.0.2.44"}, t), "10.0.0.1");
}

TEST(ClientAddress, ForwardedModeIgnoresXForwardedForValues) {
  // An X-Forwarded-For-style value is no Forwarded element: nothing verifiable.
  auto t = trusting({"10.0.0.0/8"}, ForwardedField::kForwarded);
  EXPECT_EQ(resolve("10.0.0.1", {"192.0.2.43"}, t), "10.0.0.1");
}

TEST(ClientAddress, ReadsTheConfiguredFieldOfARequest) {
  RequestHead head;
  head.headers = {{"X-Forwarded-For", "127.0.0.1"},
                  {"Forwarded", "for=192.0.2.1"},
                  {"x-forwarded-for", "203.0.113.5"}};
  ConnectionInfo info;
  info.peer = *net::InetAddress::parse("10.1.1.1:5000");
  Request request(head, {}, info);
  EXPECT_EQ(client_address(request, trusting({"10.0.0.0/8"})).to_string(), "203.0.113.5");
  EXPECT_EQ(
      client_address(request, trusting({"10.0.0.0/8"}, ForwardedField::kForwarded)).to_string(),
      "192.0.2.1");
  EXPECT_EQ(client_address(request, TrustedProxies{}).to_string(), "10.1.1.1");
  info.peer = *net::InetAddress::parse("192.0.2.200:5000");
  EXPECT_EQ(client_address(request, trusting({"10.0.0.0/8"})).to_string(), "192.0.2.200");
}

TEST(ParseForwardedNode, AcceptsAddressesAndRejectsTheRest) {
  EXPECT_EQ(parse_forwarded_node("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(parse_forwarded_node(" 192.0.2.1:80 ")->to_string(), "192.0.2.1");
  EXPECT_EQ(parse_forwarded_node("192.0.2.1:_abc")->to_string(), "192.0.2.1");
  EXPECT_EQ(parse_forwarded_node("[::1]")->to_string(), "::1");
  for (const char* bad :
       {"", "unknown", "_hidden", "[192.0.2.1]", "[::1", "[::1]x",
        "[::1]:", "192.0.2.1:", "192.0.2.1:123456", "::1%lo", "example.com:80", "[fe80::1%eth0]"}) {
    EXPECT_FALSE(parse_forwarded_node(bad)) << bad;
  }
}

TEST(ForwardedForParameter, UnquotesAndHonoursEscapes) {
  std::string buf;
  EXPECT_EQ(forwarded_for_parameter("for=\"[::1]:80\";proto=http", buf), "[::1]:80");
  EXPECT_EQ(forwarded_for_parameter("proto=\"a;b\"; for=1.2.3.4", buf), "1.2.3.4");
  EXPECT_EQ(forwarded_for_parameter("for=\"1.2.3\\.4\"", buf), "1.2.3.4");
  EXPECT_EQ(forwarded_for_parameter("proto=http", buf), "");
  EXPECT_EQ(forwarded_for_parameter("for", buf), "");
  EXPECT_EQ(forwarded_for_parameter("for=\"", buf), "");
}

}  // namespace
}  // namespace portico::http
