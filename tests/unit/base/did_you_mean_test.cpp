// Tests for edit_distance and closest_match.
#include "portico/base/did_you_mean.h"

#include <gtest/gtest.h>

namespace portico {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("listen", "listen"), 0u);
  EXPECT_EQ(edit_distance("listn", "listen"), 1u);
  EXPECT_EQ(edit_distance("adress", "address"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(EditDistance, CountsAnAdjacentTranspositionAsOneEdit) {
  EXPECT_EQ(edit_distance("GTE", "GET"), 1u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);
}

TEST(EditDistance, IgnoresAsciiCase) { EXPECT_EQ(edit_distance("GET", "get"), 0u); }

TEST(ClosestMatch, SuggestsTheNearestCandidate) {
  std::vector<std::string_view> keys = {"address", "backlog", "reuseport", "nodelay"};
  EXPECT_EQ(closest_match("adress", keys), "address");
  EXPECT_EQ(closest_match("backlg", keys), "backlog");
  EXPECT_EQ(closest_match("reuse_port", keys), "reuseport");
}

TEST(ClosestMatch, SuggestsAWordThatIsAPrefixOrExtension) {
  std::vector<std::string_view> levels = {"debug", "info", "warn", "error"};
  EXPECT_EQ(closest_match("warning", levels), "warn");
  EXPECT_EQ(closest_match("informational", levels), "info");
  EXPECT_EQ(closest_match("in", levels), "");
}

TEST(ClosestMatch, SuggestsNothingForUnrelatedWords) {
  std::vector<std::string_view> keys = {"address", "backlog"};
  EXPECT_EQ(closest_match("zzz", keys), "");
  EXPECT_EQ(closest_match("root", keys), "");
}

}  // namespace
}  // namespace portico
