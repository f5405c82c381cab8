// Tests for src/http/etag.cpp: making, suffixing, comparing and parsing entity-tags.
#include "portico/http/etag.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(MakeFileEtag, EncodesMtimeSizeAndInodeInHex) {
  EXPECT_EQ(make_file_etag(0x17a2b3c4d5e6f708, 0x1234, 0xabc), "\"17a2b3c4d5e6f708-1234-abc\"");
  EXPECT_EQ(make_file_etag(1, 0, 7), "\"1-0-7\"");
}

TEST(MakeFileEtag, LeavesTheInodeOutWhenZero) {
  EXPECT_EQ(make_file_etag(0x10, 0x20, 0), "\"10-20\"");
}

TEST(MakeFileEtag, ChangesWithEachInput) {
  std::string base = make_file_etag(1000, 2000, 3000);
  EXPECT_NE(base, make_file_etag(1001, 2000, 3000));
  EXPECT_NE(base, make_file_etag(1000, 2001, 3000));
  EXPECT_NE(base, make_file_etag(1000, 2000, 3001));
}

TEST(MakeFileEtag, ProducesAValidStrongTagEvenForNegativeMtimes) {
  std::string tag = make_file_etag(-5, UINT64_MAX, UINT64_MAX);
  auto parsed = parse_entity_tag(tag);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->weak);
  EXPECT_EQ(tag, "\"fffffffffffffffb-ffffffffffffffff-ffffffffffffffff\"");
}

TEST(EtagWithSuffix, InsertsTheSuffixInsideTheQuotes) {
  EXPECT_EQ(etag_with_suffix("\"abc-1\"", "br"), "\"abc-1-br\"");
  EXPECT_EQ(etag_with_suffix("W/\"abc\"", "gzip"), "W/\"abc-gzip\"");
  EXPECT_EQ(etag_with_suffix("\"\"", "zstd"), "\"-zstd\"");
}

TEST(EtagWithSuffix, ReturnsAnythingElseUnchanged) {
  EXPECT_EQ(etag_with_suffix("abc", "br"), "abc");
  EXPECT_EQ(etag_with_suffix("\"abc", "br"), "\"abc");
  EXPECT_EQ(etag_with_suffix("\"abc\" ", "br"), "\"abc\" ");
  EXPECT_EQ(etag_with_suffix("\"abc\"", ""), "\"abc\"");
}

TEST(ParseEntityTag, AcceptsStrongWeakAndEmptyTags) {
  auto s = parse_entity_tag("\"xyzzy\"");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->weak);
  EXPECT_EQ(s->opaque, "\"xyzzy\"");
  auto w = parse_entity_tag("W/\"xyzzy\"");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->weak);
  EXPECT_EQ(w->opaque, "\"xyzzy\"");
  EXPECT_TRUE(parse_entity_tag("\"\""));
  EXPECT_TRUE(parse_entity_tag("\"caf\xc3\xa9!#~\""));  // obs-text and punctuation are etagc
}

TEST(ParseEntityTag, RejectsMalformedTags) {
  const std::string_view bad[] = {"",       "xyzzy",     "\"xyzzy",  "xyzzy\"",  "w/\"x\"",
                                  "W\"x\"", "W/x",       "\"a b\"",  "\"a\"b\"", "\"a\" ",
                                  " \"a\"", "\"a\x7f\"", "\"a\tb\"", "W/ \"a\"", "*"};
  for (std::string_view s : bad) EXPECT_FALSE(parse_entity_tag(s)) << s;
}

TEST(EtagComparison, FollowsTheRfc9110Table) {
  // RFC 9110 8.8.3.2, the example table.
  const struct {
    std::string_view a, b;
    bool strong, weak;
  } cases[] = {
      {"W/\"1\"", "W/\"1\"", false, true},  {"W/\"1\"", "W/\"2\"", false, false},
      {"W/\"1\"", "\"1\"", false, true},    {"\"1\"", "\"1\"", true, true},
      {"\"1\"", "\"2\"", false, false},     {"\"1\"", "garbage", false, false},
      {"garbage", "garbage", false, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(etag_matches_strong(c.a, c.b), c.strong) << c.a << " vs " << c.b;
    EXPECT_EQ(etag_matches_weak(c.a, c.b), c.weak) << c.a << " vs " << c.b;
    EXPECT_EQ(etag_matches_strong(c.b, c.a), c.strong);
    EXPECT_EQ(etag_matches_weak(c.b, c.a), c.weak);
  }
}

TEST(ParseEntityTagList, RecognizesTheStar) {
  EXPECT_TRUE(parse_entity_tag_list("*").any);
  EXPECT_TRUE(parse_entity_tag_list("  *\t").any);
  auto l = parse_entity_tag_list("*, \"a\"");
  EXPECT_FALSE(l.any);
  EXPECT_TRUE(l.malformed);
}

TEST(ParseEntityTagList, ParsesCommaListsWithWhitespaceAndEmptyMembers) {
  auto l = parse_entity_tag_list(" \"a\" ,W/\"b\",, \t\"c,d\" , ");
  EXPECT_FALSE(l.any);
  EXPECT_FALSE(l.malformed);
  ASSERT_EQ(l.tags.size(), 3u);
  EXPECT_EQ(l.tags[0].opaque, "\"a\"");
  EXPECT_FALSE(l.tags[0].weak);
  EXPECT_EQ(l.tags[1].opaque, "\"b\"");
  EXPECT_TRUE(l.tags[1].weak);
  EXPECT_EQ(l.tags[2].opaque, "\"c,d\"");  // a comma inside quotes belongs to the tag
}

TEST(ParseEntityTagList, StopsAtTheFirstMalformedMember) {
  const struct {
    std::string_view value;
    size_t kept;
  } cases[] = {
      {"\"a\", b, \"c\"", 1}, {"\"a\" \"b\"", 0}, {"\"a\", \"b", 1}, {"xyz", 0},
      {"\"a\"x", 0},          {"W/", 0},
  };
  for (const auto& c : cases) {
    auto l = parse_entity_tag_list(c.value);
    EXPECT_TRUE(l.malformed) << c.value;
    EXPECT_EQ(l.tags.size(), c.kept) << c.value;
  }
}

TEST(ParseEntityTagList, TreatsAnEmptyValueAsAnEmptyList) {
  auto l = parse_entity_tag_list("  ");
  EXPECT_FALSE(l.any);
  EXPECT_FALSE(l.malformed);
  EXPECT_TRUE(l.tags.empty());
}

TEST(EtagListMatches, MatchesAnyListedTag) {
  EXPECT_TRUE(etag_list_matches("\"x\", \"y\", \"z\"", "\"y\"", EtagComparison::kStrong));
  EXPECT_TRUE(etag_list_matches("\"y\"", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("\"x\", \"z\"", "\"y\"", EtagComparison::kWeak));
  EXPECT_TRUE(etag_list_matches("*", "\"y\"", EtagComparison::kStrong));
  EXPECT_TRUE(etag_list_matches("*", "", EtagComparison::kStrong));
}

TEST(EtagListMatches, HonoursWeaknessPerComparison) {
  EXPECT_FALSE(etag_list_matches("W/\"y\"", "\"y\"", EtagComparison::kStrong));
  EXPECT_TRUE(etag_list_matches("W/\"y\"", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("\"y\"", "W/\"y\"", EtagComparison::kStrong));
  EXPECT_TRUE(etag_list_matches("\"y\"", "W/\"y\"", EtagComparison::kWeak));
}

TEST(EtagListMatches, NeverMatchesWithoutACurrentTag) {
  EXPECT_FALSE(etag_list_matches("\"\"", "", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("\"y\"", "not-a-tag", EtagComparison::kWeak));
}

TEST(EtagListMatches, CountsMembersBeforeAMalformedOneButNotAfter) {
  EXPECT_TRUE(etag_list_matches("\"y\", garbage", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("garbage, \"y\"", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("\"y", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("y", "\"y\"", EtagComparison::kWeak));
}

TEST(EtagListMatches, ComparesOpaqueTagsExactly) {
  EXPECT_FALSE(etag_list_matches("\"Y\"", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("\"y \"", "\"y\"", EtagComparison::kWeak));
  EXPECT_FALSE(etag_list_matches("\"abc-br\"", "\"abc\"", EtagComparison::kWeak));
}

}  // namespace
}  // namespace portico::http
