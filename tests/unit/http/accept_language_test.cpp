// Tests for src/http/accept_language.cpp: a table of Accept-Language values against a site's
// languages, and language tag validation.
#include "portico/http/accept_language.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::http {
namespace {

// The ranked tags joined by ',' ("" when none is acceptable).
std::string ranked(std::string_view header, const std::vector<std::string>& available) {
  std::string out;
  for (size_t i : rank_languages(header, available)) {
    if (!out.empty()) out += ',';
    out += available[i];
  }
  return out;
}

struct Case {
  const char* header;
  const char* expected;
};

TEST(RankLanguages, FollowsTheTableOfHeaders) {
  const std::vector<std::string> site = {"en", "de", "fr", "en-GB", "pt-BR"};
  const Case cases[] = {
      {"", ""},
      {"de", "de"},
      {"DE", "de"},
      {"de, en;q=0.5", "de,en,en-GB"},
      {"fr;q=0.2, de;q=0.9, en;q=0.5", "de,en,en-GB,fr"},
      // A range matches its own tag and longer ones (basic filtering).
      {"en", "en,en-GB"},
      {"pt", "pt-BR"},
      // The most specific range decides a tag's weight.
      {"en;q=0, en-GB", "en-GB"},
      {"en-GB;q=0, en", "en"},
      {"en-gb", "en-GB,en"},
      // Lookup fallback: a more specific range reaches its truncation, after direct matches.
      {"de-CH", "de"},
      {"de-CH, en;q=0.5", "de,en,en-GB"},
      {"en-US, en-GB", "en-GB,en"},
      {"de-CH;q=0.4, fr;q=0.8", "fr,de"},
      {"de-CH;q=0, de-AT", "de"},
      // "*" covers the tags nothing else matched.
      {"*", "en,de,fr,en-GB,pt-BR"},
      {"fr, *;q=0.1", "fr,en,de,en-GB,pt-BR"},
      {"*;q=0", ""},
      {"en, *;q=0", "en,en-GB"},
      {"*, de;q=0", "en,fr,en-GB,pt-BR"},
      // Equal weights keep the server's order; direct matches before wildcard ones.
      {"fr, de", "de,fr"},
      {"*;q=0.5, pt;q=0.5", "pt-BR,en,de,fr,en-GB"},
      // Nothing matches: the caller falls back to its default.
      {"ja, zh-Hant", ""},
      {"e", ""},
      // Malformed members are ignored, the rest still counts.
      {"de;q=x, fr", "fr"},
      {"d_e, fr", "fr"},
      {"en-, fr", "fr"},
      {"toolonglanguage, fr", "fr"},
      {"de;level=1, fr", "fr"},
      {"  ,de , ,", "de"},
      // A range listed twice keeps its lowest weight.
      {"de, de;q=0", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ranked(c.header, site), c.expected) << "Accept-Language: " << c.header;
  }
}

TEST(RankLanguages, NeedsAvailableLanguages) { EXPECT_TRUE(rank_languages("de, en", {}).empty()); }

TEST(IsValidLanguageTag, AcceptsTagsShapedLikeRfc5646) {
  for (const char* ok : {"en", "de-CH", "zh-Hant-TW", "sl-rozaj-biske", "x-private", "i-klingon",
                         "es-419", "abcdefgh"}) {
    EXPECT_TRUE(is_valid_language_tag(ok)) << ok;
  }
}

TEST(IsValidLanguageTag, RejectsOthers) {
  for (const char* bad : {"", "*", "-", "en-", "-en", "en--GB", "abcdefghi", "en-123456789", "1en",
                          "en_GB", "en GB", "de.html"}) {
    EXPECT_FALSE(is_valid_language_tag(bad)) << bad;
  }
}

}  // namespace
}  // namespace portico::http
