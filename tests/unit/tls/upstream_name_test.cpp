// Tests for parse_upstream_name: DNS names normalized, IP literals recognized, junk rejected.
#include "tls/upstream_name.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::tls {
namespace {

TEST(UpstreamNameTest, LowercasesAndDropsTheTrailingDot) {
  auto n = parse_upstream_name("Api.Example.COM.");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->text, "api.example.com");
  EXPECT_FALSE(n->is_ip);
}

TEST(UpstreamNameTest, RecognizesIpv4AndIpv6LiteralsWithOrWithoutBrackets) {
  auto v4 = parse_upstream_name("10.0.0.7");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_ip);
  EXPECT_EQ(v4->text, "10.0.0.7");
  auto v6 = parse_upstream_name("[2001:db8::1]");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_ip);
  EXPECT_EQ(v6->text, "2001:db8::1");
  auto bare = parse_upstream_name("::1");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->is_ip);
}

TEST(UpstreamNameTest, AcceptsUnderscoresAndSingleLabels) {
  EXPECT_TRUE(parse_upstream_name("my_service.internal"));
  EXPECT_TRUE(parse_upstream_name("backend"));
}

TEST(UpstreamNameTest, RejectsMalformedNames) {
  for (const char* bad : {"", ".", "a..b", ".a", "a b", "*.example.com", "a/b", "[10.0.0.1]",
                          "[::1", "fe80::1%eth0", "host:80", "caf\xc3\xa9.example"}) {
    EXPECT_FALSE(parse_upstream_name(bad)) << bad;
  }
}

TEST(UpstreamNameTest, EnforcesLabelAndNameLengths) {
  EXPECT_TRUE(parse_upstream_name(std::string(63, 'a') + ".test"));
  EXPECT_FALSE(parse_upstream_name(std::string(64, 'a') + ".test"));
  std::string long_name;
  while (long_name.size() < 250) long_name += "abcdefghi.";
  long_name += "test";
  EXPECT_FALSE(parse_upstream_name(long_name));
}

}  // namespace
}  // namespace portico::tls
