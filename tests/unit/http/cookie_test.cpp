// Tests for the Cookie parser (lenient, bounded) and the Set-Cookie builder (strict defaults).
#include "portico/http/cookie.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "unit/http/test_request.h"

namespace portico::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs parse(std::string_view field, const CookieLimits& limits = {}) {
  std::vector<CookieView> views;
  parse_cookie_header(field, views, limits);
  Pairs out;
  for (const auto& v : views) out.emplace_back(std::string(v.name), std::string(v.value));
  return out;
}

struct ParseCase {
  const char* what;
  std::string field;
  Pairs expected;
};

TEST(CookieParse, KeepsWellFormedPairsAndSkipsMalformedOnes) {
  const std::vector<ParseCase> cases = {
      {"one pair", "a=1", {{"a", "1"}}},
      {"two pairs", "a=1; b=2", {{"a", "1"}, {"b", "2"}}},
      {"no space after ;", "a=1;b=2", {{"a", "1"}, {"b", "2"}}},
      {"OWS around", "  a = 1 ;\tb=2\t", {{"a", "1"}, {"b", "2"}}},
      {"empty value", "a=; b=2", {{"a", ""}, {"b", "2"}}},
      {"quoted value", "a=\"x y\"", {{"a", "x y"}}},
      {"empty quoted value", "a=\"\"", {{"a", ""}}},
      {"lone quote is skipped", "a=\"; b=2", {{"b", "2"}}},
      {"inner quote is skipped", "a=x\"y; b=2", {{"b", "2"}}},
      {"value with '='", "a=b=c", {{"a", "b=c"}}},
      {"duplicate: first wins", "a=1; a=2; b=3", {{"a", "1"}, {"b", "3"}}},
      {"names are case-sensitive", "a=1; A=2", {{"a", "1"}, {"A", "2"}}},
      {"no '=' is skipped", "flag; a=1", {{"a", "1"}}},
      {"empty name is skipped", "=1; a=2", {{"a", "2"}}},
      {"name with space is skipped", "a b=1; c=2", {{"c", "2"}}},
      {"name with separator is skipped", "a(b)=1; c=2", {{"c", "2"}}},
      {"control char in value is skipped", std::string("a=x\x01y; b=2"), {{"b", "2"}}},
      {"NUL in value is skipped", std::string("a=x\0y; b=2", 10), {{"b", "2"}}},
      {"NUL in name is skipped", std::string("a\0=1; b=2", 9), {{"b", "2"}}},
      {"DEL in value is skipped", "a=x\x7fy; b=2", {{"b", "2"}}},
      {"non-UTF-8 bytes are opaque",
       "a=\xff\xfe; b=\xc3\xa9",
       {{"a", "\xff\xfe"}, {"b", "\xc3\xa9"}}},
      {"comma and backslash kept", "a=x,y\\z", {{"a", "x,y\\z"}}},
      {"empty field", "", {}},
      {"only separators", ";;; ;", {}},
      {"trailing separator", "a=1;", {{"a", "1"}}},
      {"leading separator", ";a=1", {{"a", "1"}}},
  };
  for (const auto& c : cases) EXPECT_EQ(parse(c.field), c.expected) << c.what;
}

TEST(CookieParse, StopsAtMaxCookies) {
  std::string field;
  for (int i = 0; i < 5000; ++i) field += "c" + std::to_string(i) + "=v; ";
  auto got = parse(field, {.max_cookies = 10, .max_pairs = 100000});
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got.front().first, "c0");
  EXPECT_EQ(got.back().first, "c9");
}

TEST(CookieParse, BoundsTheWorkOnThousandsOfDuplicates) {
  std::string field = "a=first";
  for (int i = 0; i < 20000; ++i) field += "; a=x";
  field += "; late=1";
  // Only max_pairs pieces are looked at: the cookie after 20000 duplicates is not reached.
  auto got = parse(field, {.max_cookies = 256, .max_pairs = 1024});
  EXPECT_EQ(got, (Pairs{{"a", "first"}}));
}

TEST(CookieParse, SurvivesHugeAndHostileInput) {
  std::string huge(1 << 20, 'x');
  EXPECT_TRUE(parse(huge).empty());                                // no '=' anywhere
  EXPECT_EQ(parse("a=" + huge).at(0).second.size(), huge.size());  // one long value is kept
  std::string noise;
  for (int i = 0; i < 100000; ++i) noise += static_cast<char>((i * 131) & 0xff);
  (void)parse(noise);  // must not crash or read out of bounds (ASan)
  EXPECT_TRUE(parse(std::string(10000, '=')).empty());
  EXPECT_TRUE(parse(std::string(10000, ';')).empty());
  EXPECT_TRUE(parse(std::string(10000, '"')).empty());
}

TEST(CookieParse, ReadsEveryCookieFieldOfTheRequestFirstWins) {
  testing::TestRequest req({{"Cookie", "a=1; b=2"}, {"Host", "x"}, {"cookie", "a=9; c=3"}});
  auto got = parse_cookies(req.request());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].value, "1");
  EXPECT_EQ(got[2].name, "c");
  EXPECT_EQ(find_cookie(req.request(), "c"), "3");
  EXPECT_EQ(find_cookie(req.request(), "a"), "1");
  EXPECT_EQ(find_cookie(req.request(), "zz"), std::nullopt);
}

TEST(CookieParse, FindCookieSkipsMalformedPairsAndStopsAtTheBudget) {
  testing::TestRequest req({{"Cookie", std::string("a=x\x01y; a=ok; a=later")}});
  EXPECT_EQ(find_cookie(req.request(), "a"), "ok");
  std::string many;
  for (int i = 0; i < 50; ++i) many += "x=1; ";
  testing::TestRequest deep({{"Cookie", many + "sid=v"}});
  EXPECT_EQ(find_cookie(deep.request(), "sid"), "v");
  EXPECT_EQ(find_cookie(deep.request(), "sid", {.max_pairs = 10}), std::nullopt);
  testing::TestRequest split({{"Cookie", many}, {"Cookie", "sid=w"}});
  EXPECT_EQ(find_cookie(split.request(), "sid"), "w");
  EXPECT_EQ(find_cookie(split.request(), "sid", {.max_pairs = 50}), std::nullopt);
}

TEST(CookieParse, NoCookieFieldMeansNoCookies) {
  testing::TestRequest req({{"Host", "x"}});
  EXPECT_TRUE(parse_cookies(req.request()).empty());
}

// ---- Set-Cookie ----

std::string format(const SetCookie& c, bool secure) {
  std::string err;
  auto v = format_set_cookie(c, secure, &err);
  return v ? *v : "ERROR: " + err;
}

TEST(SetCookieFormat, DefaultsAreHttpOnlyLaxRootPathAndSecureOverTls) {
  SetCookie c{.name = "sid", .value = "abc"};
  EXPECT_EQ(format(c, false), "sid=abc; Path=/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(format(c, true), "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax");
}

TEST(SetCookieFormat, WritesEveryAttribute) {
  SetCookie c{.name = "a",
              .value = "\"q\"",
              .path = "/app",
              .domain = "example.test",
              .max_age = 3600,
              .expires = 784111777,
              .secure = true,
              .http_only = false,
              .same_site = SameSite::kStrict};
  EXPECT_EQ(format(c, false),
            "a=\"q\"; Path=/app; Domain=example.test; Max-Age=3600; "
            "Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; SameSite=Strict");
}

TEST(SetCookieFormat, ExplicitSecureFalseAndOmittedSameSite) {
  SetCookie c{.name = "a", .value = "1", .path = "", .secure = false, .same_site = SameSite::kOmit};
  EXPECT_EQ(format(c, true), "a=1; HttpOnly");
}

TEST(SetCookieFormat, NegativeMaxAgeIsWrittenAsZero) {
  SetCookie c{.name = "a", .value = "", .max_age = -5};
  EXPECT_EQ(format(c, false), "a=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

TEST(SetCookieFormat, ExpiredCookieDeletes) {
  EXPECT_EQ(format(expired_cookie("sid"), true),
            "sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; "
            "SameSite=Lax");
}

struct RefusedCase {
  const char* what;
  SetCookie cookie;
  bool secure;
};

TEST(SetCookieFormat, RefusesWhatWouldBreakTheFieldOrLieToTheBrowser) {
  const std::vector<RefusedCase> cases = {
      {"empty name", {.name = "", .value = "1"}, true},
      {"name with '='", {.name = "a=b", .value = "1"}, true},
      {"name with space", {.name = "a b", .value = "1"}, true},
      {"name with NUL", {.name = std::string("a\0", 2), .value = "1"}, true},
      {"value with ';'", {.name = "a", .value = "1;Domain=evil"}, true},
      {"value with space", {.name = "a", .value = "x y"}, true},
      {"value with comma", {.name = "a", .value = "x,y"}, true},
      {"value with backslash", {.name = "a", .value = "x\\y"}, true},
      {"value with CRLF", {.name = "a", .value = "x\r\nSet-Cookie: b=1"}, true},
      {"value non-ASCII", {.name = "a", .value = "\xc3\xa9"}, true},
      {"value with inner quote", {.name = "a", .value = "x\"y"}, true},
      {"too long", {.name = "a", .value = std::string(5000, 'v')}, true},
      {"path without slash", {.name = "a", .value = "1", .path = "app"}, true},
      {"path with ';'", {.name = "a", .value = "1", .path = "/a;b"}, true},
      {"path with CR", {.name = "a", .value = "1", .path = "/a\rb"}, true},
      {"domain with ';'", {.name = "a", .value = "1", .domain = "x;y"}, true},
      {"SameSite=None without Secure",
       {.name = "a", .value = "1", .same_site = SameSite::kNone},
       false},
      {"__Secure- over plain HTTP", {.name = "__Secure-a", .value = "1"}, false},
      {"__Host- with Domain", {.name = "__Host-a", .value = "1", .domain = "x.test"}, true},
      {"__Host- with other path", {.name = "__Host-a", .value = "1", .path = "/x"}, true},
      {"__host- lowercase over HTTP", {.name = "__host-a", .value = "1"}, false},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_EQ(format_set_cookie(c.cookie, c.secure, &err), std::nullopt) << c.what;
    EXPECT_FALSE(err.empty()) << c.what;
  }
}

TEST(SetCookieFormat, AcceptsPrefixedCookiesThatKeepTheirPromise) {
  EXPECT_EQ(format({.name = "__Host-sid", .value = "1"}, true),
            "__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax");
  EXPECT_EQ(format({.name = "__Secure-a", .value = "1", .same_site = SameSite::kNone}, true),
            "__Secure-a=1; Path=/; Secure; HttpOnly; SameSite=None");
}

TEST(SetCookieFormat, AddSetCookieAppendsOneFieldPerCookieAndLeavesRefusalsOut) {
  Response res;
  EXPECT_TRUE(add_set_cookie(res, {.name = "a", .value = "1"}, false));
  EXPECT_TRUE(add_set_cookie(res, {.name = "b", .value = "2"}, false));
  std::string err;
  EXPECT_FALSE(add_set_cookie(res, {.name = "c", .value = "x y"}, false, &err));
  ASSERT_EQ(res.headers().size(), 2u);
  EXPECT_EQ(res.headers().fields()[1].value, "b=2; Path=/; HttpOnly; SameSite=Lax");
}

TEST(CookieValidation, NamesAreTokensAndValuesAreCookieOctets) {
  EXPECT_TRUE(is_valid_cookie_name("session_id-1.x"));
  EXPECT_FALSE(is_valid_cookie_name("a:b"));
  EXPECT_TRUE(is_valid_cookie_value(""));
  EXPECT_TRUE(is_valid_cookie_value("\"\""));
  EXPECT_TRUE(is_valid_cookie_value("abc-_.~!#$%&'()*+/:<=>?@[]^`{|}"));
  EXPECT_FALSE(is_valid_cookie_value("\""));
  std::string why;
  EXPECT_FALSE(is_valid_cookie_value("\t", &why));
  EXPECT_NE(why.find("cookie-octet"), std::string::npos);
}

}  // namespace
}  // namespace portico::http
