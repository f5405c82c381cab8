// Tests for ServerNameTable: exact and wildcard SNI matching.
#include "tls/server_name_table.h"

#include <gtest/gtest.h>

namespace portico::tls {
namespace {

TEST(ServerNameTable, FindsExactNamesCaseInsensitively) {
  ServerNameTable t;
  ASSERT_TRUE(t.add("Example.COM", 3));
  EXPECT_EQ(t.find("example.com"), 3u);
  EXPECT_EQ(t.find("EXAMPLE.com"), 3u);
  EXPECT_EQ(t.find("example.com."), 3u);  // absolute form with the root dot
  EXPECT_FALSE(t.find("www.example.com"));
}

TEST(ServerNameTable, WildcardMatchesExactlyOneLabel) {
  ServerNameTable t;
  ASSERT_TRUE(t.add("*.example.com", 1));
  EXPECT_EQ(t.find("a.example.com"), 1u);
  EXPECT_EQ(t.find("WWW.Example.Com"), 1u);
  EXPECT_FALSE(t.find("example.com"));
  EXPECT_FALSE(t.find("a.b.example.com"));
  EXPECT_FALSE(t.find(".example.com"));
}

TEST(ServerNameTable, ExactNameWinsOverWildcard) {
  ServerNameTable t;
  ASSERT_TRUE(t.add("*.example.com", 1));
  ASSERT_TRUE(t.add("api.example.com", 2));
  EXPECT_EQ(t.find("api.example.com"), 2u);
  EXPECT_EQ(t.find("www.example.com"), 1u);
}

TEST(ServerNameTable, FirstEntryForANameIsKept) {
  ServerNameTable t;
  EXPECT_TRUE(t.add("a.test", 0));
  EXPECT_FALSE(t.add("A.TEST", 1));
  EXPECT_EQ(t.find("a.test"), 0u);
}

TEST(ServerNameTable, RejectsUnusableNames) {
  ServerNameTable t;
  EXPECT_FALSE(t.add("", 0));
  EXPECT_FALSE(t.add("*", 0));
  EXPECT_FALSE(t.add("*.", 0));
  EXPECT_FALSE(t.add("a.*.example.com", 0));
  EXPECT_FALSE(t.add("*.*.example.com", 0));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.find(""));
}

}  // namespace
}  // namespace portico::tls
