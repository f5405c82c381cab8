// Tests for src/http/weighted_list.cpp: qvalues and weighted list members (RFC 9110 12.4.2).
#include "http/weighted_list.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::http::detail {
namespace {

TEST(ParseQvalue, AcceptsTheGrammarsForms) {
  EXPECT_EQ(parse_qvalue("0"), 0);
  EXPECT_EQ(parse_qvalue("0."), 0);
  EXPECT_EQ(parse_qvalue("0.5"), 500);
  EXPECT_EQ(parse_qvalue("0.05"), 50);
  EXPECT_EQ(parse_qvalue("0.125"), 125);
  EXPECT_EQ(parse_qvalue("0.001"), 1);
  EXPECT_EQ(parse_qvalue("1"), 1000);
  EXPECT_EQ(parse_qvalue("1."), 1000);
  EXPECT_EQ(parse_qvalue("1.000"), 1000);
}

TEST(ParseQvalue, RejectsEverythingElse) {
  for (const char* bad : {"", ".5", "1.5", "1.001", "2", "0.1234", "0,5", "-0", "0.5 ", "O", "0x1",
                          "00", "1e0", "0.a"}) {
    EXPECT_EQ(parse_qvalue(bad), -1) << bad;
  }
}

TEST(ParseWeightedMember, ReadsValueAndWeight) {
  auto m = parse_weighted_member(" gzip ; q=0.8 ");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->value, "gzip");
  EXPECT_EQ(m->weight, 800);
  m = parse_weighted_member("br");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->weight, 1000);
}

TEST(ParseWeightedMember, TakesTheParameterNameCaseInsensitively) {
  auto m = parse_weighted_member("gzip;Q=0");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->weight, 0);
}

TEST(ParseWeightedMember, HonoursSpacesAroundTheEqualsSign) {
  auto m = parse_weighted_member("gzip; q = 0");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->weight, 0);
}

TEST(ParseWeightedMember, RejectsMalformedMembers) {
  for (const char* bad : {"", "  ", ";q=1", "gzip;", "gzip;q", "gzip;q=", "gzip;q=2",
                          "gzip;level=1", "gzip;q=1;q=0", "gzip;q=0.5;x=1", "gzip;qq=1"}) {
    EXPECT_FALSE(parse_weighted_member(bad)) << bad;
  }
}

TEST(ForEachWeightedMember, SkipsEmptyAndMalformedMembersButKeepsTheRest) {
  std::vector<std::string> seen;
  for_each_weighted_member(" , gzip;q=x, ,br;q=0.5,,zstd", [&](const WeightedMember& m) {
    seen.push_back(std::string(m.value) + "/" + std::to_string(m.weight));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"br/500", "zstd/1000"}));
}

TEST(ForEachWeightedMember, VisitsNothingForAnEmptyList) {
  int n = 0;
  for_each_weighted_member("", [&](const WeightedMember&) { ++n; });
  for_each_weighted_member(",,, ,", [&](const WeightedMember&) { ++n; });
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace portico::http::detail
