// Tests for IpAddress, Cidr and NetworkSet.
#include "portico/net/cidr.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::net {
namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress());
}

Cidr cidr(const char* text) {
  std::string error;
  auto c = Cidr::parse(text, &error);
  EXPECT_TRUE(c) << text << ": " << error;
  return c.value_or(Cidr());
}

TEST(IpAddress, ParsesBothFamiliesAndFormatsCanonically) {
  EXPECT_TRUE(ip("10.1.2.3").is_ipv4());
  EXPECT_EQ(ip("10.1.2.3").to_string(), "10.1.2.3");
  EXPECT_FALSE(ip("2001:DB8:0:0::1").is_ipv4());
  EXPECT_EQ(ip("2001:DB8:0:0::1").to_string(), "2001:db8::1");
}

TEST(IpAddress, TreatsIpv4MappedIpv6AsIpv4) {
  IpAddress a = ip("::ffff:192.0.2.7");
  EXPECT_TRUE(a.is_ipv4());
  EXPECT_EQ(a, ip("192.0.2.7"));
  EXPECT_EQ(a.to_string(), "192.0.2.7");
  auto peer = InetAddress::from_host_port("::ffff:127.0.0.1", 4000);
  ASSERT_TRUE(peer);
  EXPECT_EQ(IpAddress::from(*peer), ip("127.0.0.1"));
}

TEST(IpAddress, RejectsAnythingButAPlainAddress) {
  for (const char* bad : {"", "10.1", "010.0.0.1", "10.0.0.256", "1.2.3.4.5", "[::1]", "::1%lo",
                          "1.2.3.4:80", " 1.2.3.4", "example.com", "::g", "1:2:3:4:5:6:7:8:9"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, ConvertsSocketAddresses) {
  auto v4 = InetAddress::parse("127.0.0.1:80");
  auto v6 = InetAddress::parse("[::1]:80");
  ASSERT_TRUE(v4 && v6);
  EXPECT_EQ(IpAddress::from(*v4), ip("127.0.0.1"));
  EXPECT_EQ(IpAddress::from(*v6), ip("::1"));
  EXPECT_EQ(IpAddress::ipv4(0x7f000001), ip("127.0.0.1"));
}

TEST(IpAddress, ConvertsBackToSocketAddresses) {
  EXPECT_EQ(ip("192.0.2.7").to_inet_address(80).to_string(), "192.0.2.7:80");
  EXPECT_EQ(ip("2001:db8::7").to_inet_address().to_string(), "[2001:db8::7]:0");
  EXPECT_EQ(IpAddress::from(ip("::ffff:10.0.0.1").to_inet_address()), ip("10.0.0.1"));
}

struct CidrCase {
  const char* text;
  const char* canonical;
  bool ipv4;
  int prefix;
};

TEST(Cidr, ParsesTheTableOfValidForms) {
  const CidrCase cases[] = {
      {"10.0.0.0/8", "10.0.0.0/8", true, 8},
      {"0.0.0.0/0", "0.0.0.0/0", true, 0},
      {"192.168.1.7", "192.168.1.7/32", true, 32},
      {"192.168.1.7/32", "192.168.1.7/32", true, 32},
      {"172.16.0.0/12", "172.16.0.0/12", true, 12},
      {"2001:db8::/32", "2001:db8::/32", false, 32},
      {"2001:DB8::/32", "2001:db8::/32", false, 32},
      {"::1", "::1/128", false, 128},
      {"::/0", "::/0", false, 0},
      {"fe80::/10", "fe80::/10", false, 10},
      {"2001:db8::8000:0:0:0/65", "2001:db8:0:0:8000::/65", false, 65},
      {"::ffff:10.0.0.0/104", "10.0.0.0/8", true, 8},
      {"::ffff:10.1.2.3", "10.1.2.3/32", true, 32},
  };
  for (const auto& c : cases) {
    Cidr parsed = cidr(c.text);
    EXPECT_EQ(parsed.to_string(), c.canonical) << c.text;
    EXPECT_EQ(parsed.is_ipv4(), c.ipv4) << c.text;
    EXPECT_EQ(parsed.prefix_length(), c.prefix) << c.text;
  }
}

TEST(Cidr, RejectsBadFormsWithAReason) {
  struct Bad {
    const char* text;
    const char* why;
  };
  const Bad cases[] = {
      {"", "missing address"},
      {"/8", "missing address"},
      {"10.0.0.0/", "prefix length must be 0..32"},
      {"10.0.0.0/33", "prefix length must be 0..32"},
      {"10.0.0.0/08", "prefix length must be 0..32"},
      {"10.0.0.0/+8", "prefix length must be 0..32"},
      {"10.0.0.0/8/8", "prefix length must be 0..32"},
      {"2001:db8::/129", "prefix length must be 0..128"},
      {"10.0.0.1/8", "host bits set (the network is 10.0.0.0/8)"},
      {"2001:db8::1/32", "host bits set (the network is 2001:db8::/32)"},
      {"::ffff:10.0.0.0/95", "an IPv4-mapped network needs a prefix length of at least 96"},
      {"10.0.0", "not an IPv4 or IPv6 address"},
      {"localhost/8", "not an IPv4 or IPv6 address"},
      {"[::1]/128", "not an IPv4 or IPv6 address"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(Cidr::parse(c.text, &error)) << c.text;
    EXPECT_EQ(error, c.why) << c.text;
  }
}

TEST(Cidr, ContainsAddressesInsideThePrefixOnly) {
  struct Case {
    const char* network;
    const char* address;
    bool inside;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.255.255.255", true},
      {"10.0.0.0/8", "11.0.0.0", false},
      {"10.0.0.0/8", "9.255.255.255", false},
      {"0.0.0.0/0", "255.255.255.255", true},
      {"192.0.2.1", "192.0.2.1", true},
      {"192.0.2.1", "192.0.2.2", false},
      {"172.16.0.0/12", "172.31.0.1", true},
      {"172.16.0.0/12", "172.32.0.1", false},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"::/0", "2001:db8::1", true},
      {"::/0", "10.0.0.1", false},
      {"0.0.0.0/0", "::1", false},
      {"10.0.0.0/8", "::ffff:10.9.9.9", true},
      {"::1", "::1", true},
      {"::1", "::2", false},
      {"2001:db8::/65", "2001:db8::7fff:0:0:1", true},
      {"2001:db8::/65", "2001:db8::8000:0:0:1", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(cidr(c.network).contains(ip(c.address)), c.inside) << c.network << " " << c.address;
  }
}

TEST(Cidr, OfClearsHostBitsAndClampsTheLength) {
  EXPECT_EQ(Cidr::of(ip("10.1.2.3"), 16).to_string(), "10.1.0.0/16");
  EXPECT_EQ(Cidr::of(ip("10.1.2.3"), 99).to_string(), "10.1.2.3/32");
  EXPECT_EQ(Cidr::of(ip("2001:db8::1"), -1).to_string(), "::/0");
}

TEST(NetworkSet, EmptyContainsNothing) {
  NetworkSet s;
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.contains(ip("0.0.0.0")));
  EXPECT_FALSE(s.contains(ip("::")));
}

TEST(NetworkSet, ContainsEveryMemberAndNothingElse) {
  NetworkSet s{cidr("10.0.0.0/8"), cidr("192.168.1.0/24"), cidr("2001:db8::/32"), cidr("::1")};
  EXPECT_TRUE(s.contains(ip("10.0.0.0")));
  EXPECT_TRUE(s.contains(ip("10.255.255.255")));
  EXPECT_TRUE(s.contains(ip("192.168.1.77")));
  EXPECT_TRUE(s.contains(ip("::ffff:192.168.1.77")));
  EXPECT_TRUE(s.contains(ip("2001:db8::42")));
  EXPECT_TRUE(s.contains(ip("::1")));
  EXPECT_FALSE(s.contains(ip("11.0.0.0")));
  EXPECT_FALSE(s.contains(ip("192.168.2.1")));
  EXPECT_FALSE(s.contains(ip("127.0.0.1")));
  EXPECT_FALSE(s.contains(ip("::2")));
  EXPECT_FALSE(s.contains(ip("2001:db9::")));
  EXPECT_EQ(s.to_string(), "10.0.0.0/8, 192.168.1.0/24, 2001:db8::/32, ::1/128");
}

TEST(NetworkSet, MergesOverlappingAndAdjacentNetworks) {
  NetworkSet s{cidr("10.0.1.0/24"), cidr("10.0.0.0/24"),     cidr("10.0.0.0/16"),
               cidr("10.2.0.0/16"), cidr("255.255.255.255"), cidr("255.255.255.254/31")};
  for (const char* in : {"10.0.0.1", "10.0.255.255", "10.2.3.4", "255.255.255.255"}) {
    EXPECT_TRUE(s.contains(ip(in))) << in;
  }
  for (const char* out : {"10.1.0.0", "10.3.0.0", "255.255.255.253"}) {
    EXPECT_FALSE(s.contains(ip(out))) << out;
  }
  NetworkSet all6{cidr("8000::/1"), cidr("::/1"), cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")};
  EXPECT_TRUE(all6.contains(ip("::")));
  EXPECT_TRUE(all6.contains(ip("7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_TRUE(all6.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
}

TEST(NetworkSet, DropsDuplicatesFromTheListing) {
  NetworkSet s{cidr("10.0.0.0/8"), cidr("10.0.0.0/8")};
  s.add(cidr("10.0.0.0/8"));
  EXPECT_EQ(s.networks().size(), 1u);
}

TEST(NetworkSet, AddGrowsTheSetAfterConstruction) {
  NetworkSet s;
  s.add(cidr("192.0.2.0/24"));
  EXPECT_TRUE(s.contains(ip("192.0.2.9")));
  s.add(NetworkSet{cidr("2001:db8::/32")});
  EXPECT_TRUE(s.contains(ip("2001:db8::9")));
  EXPECT_TRUE(s.contains(ip("192.0.2.9")));
}

TEST(NetworkSet, ParseNamesTheBadEntry) {
  std::vector<std::string> good = {"10.0.0.0/8", "::1"};
  auto s = NetworkSet::parse(good);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(ip("::1")));
  std::vector<std::string> bad = {"10.0.0.0/8", "10.0.0.1/24"};
  std::string error;
  EXPECT_FALSE(NetworkSet::parse(bad, &error));
  EXPECT_EQ(error, "'10.0.0.1/24': host bits set (the network is 10.0.0.0/24)");
}

TEST(NetworkSet, ManyNetworksStayExact) {
  // Every other /24 of 10.0.0.0/16: neighbours never merge, a lookup must land on the right one.
  std::vector<Cidr> cidrs;
  for (uint32_t i = 0; i < 256; i += 2)
    cidrs.push_back(Cidr::of(IpAddress::ipv4(0x0a000000 | i << 8), 24));
  NetworkSet s(cidrs);
  for (uint32_t i = 0; i < 256; ++i) {
    EXPECT_EQ(s.contains(IpAddress::ipv4(0x0a000000 | i << 8 | 17)), i % 2 == 0) << i;
  }
}

TEST(NetworkSet, SpecialPurposeSetsCoverTheUsualSuspects) {
  NetworkSet np = NetworkSet::non_public();
  for (const char* a :
       {"127.0.0.1", "::1", "169.254.169.254", "fe80::1", "10.1.1.1", "172.20.0.1", "192.168.0.1",
        "fd00::1", "0.0.0.0", "::", "100.64.0.1", "224.0.0.1", "255.255.255.255",
        "::ffff:127.0.0.1", "64:ff9b::a00:1", "2002:a00:1::", "ff02::1"}) {
    EXPECT_TRUE(np.contains(ip(a))) << a;
  }
  for (const char* a : {"1.1.1.1", "8.8.8.8", "93.184.216.34", "2606:4700::1111", "172.32.0.1"}) {
    EXPECT_FALSE(np.contains(ip(a))) << a;
  }
  EXPECT_TRUE(NetworkSet::loopback().contains(ip("127.255.0.1")));
  EXPECT_FALSE(NetworkSet::loopback().contains(ip("10.0.0.1")));
  EXPECT_TRUE(NetworkSet::link_local().contains(ip("fe80::abcd")));
  EXPECT_TRUE(NetworkSet::private_use().contains(ip("fc00::1")));
  EXPECT_FALSE(NetworkSet::private_use().contains(ip("127.0.0.1")));
}

}  // namespace
}  // namespace portico::net
