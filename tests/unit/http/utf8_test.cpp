// Tests for src/http/utf8.cpp: strict UTF-8 sequences and display sanitizing.
#include "http/utf8.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(IsValidUtf8, AcceptsWellFormedText) {
  const std::string_view ok[] = {
      "",
      "plain ascii",
      "caf\xc3\xa9",
      "\xe2\x82\xac",      // U+20AC
      "\xed\x9f\xbf",      // U+D7FF, last before the surrogates
      "\xee\x80\x80",      // U+E000, first after them
      "\xef\xbf\xbf",      // U+FFFF
      "\xf0\x90\x80\x80",  // U+10000
      "\xf4\x8f\xbf\xbf",  // U+10FFFF
      "\xc2\x80",          // U+0080
      "\xe0\xa0\x80",      // U+0800
  };
  for (std::string_view s : ok) EXPECT_TRUE(is_valid_utf8(s)) << s;
}

TEST(IsValidUtf8, RejectsOverlongSurrogateAndTruncatedForms) {
  const std::string_view bad[] = {
      "\xc0\xae",          // overlong '.'
      "\xc0\xaf",          // overlong '/'
      "\xc1\xbf",          // overlong
      "\xe0\x80\xae",      // overlong '.' in three bytes
      "\xe0\x9f\xbf",      // overlong below U+0800
      "\xf0\x80\x80\xae",  // overlong '.' in four bytes
      "\xf0\x8f\xbf\xbf",  // overlong below U+10000
      "\xed\xa0\x80",      // U+D800 surrogate
      "\xed\xbf\xbf",      // U+DFFF surrogate
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",
      "\xff",
      "\x80",          // stray continuation
      "\xc3",          // truncated
      "\xe2\x82",      // truncated
      "\xf0\x9f\x98",  // truncated
      "\xc3\x28",      // bad continuation
      "\xe2\x28\xa1",
      "a\xc3",
  };
  for (std::string_view s : bad) EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(s);
}

TEST(AppendUtf8Sanitized, ReplacesEachBadByteWithTheReplacementCharacter) {
  std::string out;
  append_utf8_sanitized(out,
                        "a\xff"
                        "b\xc3\xa9\xc0\xae");
  EXPECT_EQ(out,
            "a\xef\xbf\xbd"
            "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace portico::http
