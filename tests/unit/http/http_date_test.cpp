// Tests for src/http/http_date.cpp: IMF-fixdate out, three formats in, the per-second cache.
#include "portico/http/http_date.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace portico::http {
namespace {

constexpr time_t kRfcExample = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110 5.6.7)
constexpr time_t kJan2024 = 1704067200;    // Mon, 01 Jan 2024 00:00:00 GMT

std::string fmt(time_t t) { return std::string(format_http_date(t).view()); }

TEST(FormatHttpDate, WritesImfFixdate) {
  const struct {
    time_t t;
    std::string_view text;
  } cases[] = {
      {kRfcExample, "Sun, 06 Nov 1994 08:49:37 GMT"}, {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
      {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},          {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
      {kJan2024, "Mon, 01 Jan 2024 00:00:00 GMT"},    {2147483648, "Tue, 19 Jan 2038 03:14:08 GMT"},
      {-2208988800, "Mon, 01 Jan 1900 00:00:00 GMT"},
  };
  for (const auto& c : cases) EXPECT_EQ(fmt(c.t), c.text) << c.t;
}

TEST(FormatHttpDate, ClampsToFourDigitYears) {
  EXPECT_EQ(fmt(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(fmt(INT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(fmt(INT64_MIN), fmt(-62167219200));
  EXPECT_EQ(fmt(-62167219200).substr(4), " 01 Jan 0000 00:00:00 GMT");
}

TEST(FormatHttpDate, AgreesWithGmtimeOverAWideSpread) {
  // A deterministic walk over 1970..9999 in uneven steps.
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    time_t t = static_cast<time_t>(x % 253402300800ULL);
    struct tm tm;
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char expected[64];
    strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    EXPECT_EQ(fmt(t), expected) << t;
    EXPECT_EQ(parse_http_date(fmt(t), kJan2024), t);
  }
}

TEST(ParseHttpDate, AcceptsAllThreeFormatsOfTheSameInstant) {
  const std::string_view forms[] = {
      "Sun, 06 Nov 1994 08:49:37 GMT",   // IMF-fixdate
      "Sunday, 06-Nov-94 08:49:37 GMT",  // obsolete RFC 850
      "Sun Nov  6 08:49:37 1994",        // ANSI C asctime()
  };
  for (std::string_view f : forms) EXPECT_EQ(parse_http_date(f, kJan2024), kRfcExample) << f;
}

TEST(ParseHttpDate, AcceptsTwoDigitAsctimeDays) {
  EXPECT_EQ(parse_http_date("Wed Nov 16 08:49:37 1994", kJan2024), kRfcExample + 10 * 86400);
}

TEST(ParseHttpDate, AcceptsLeapDaysOnlyInLeapYears) {
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT", kJan2024), 951782400);
  EXPECT_FALSE(parse_http_date("Thu, 29 Feb 1900 00:00:00 GMT", kJan2024));
  EXPECT_FALSE(parse_http_date("Mon, 29 Feb 2100 00:00:00 GMT", kJan2024));
}

TEST(ParseHttpDate, PutsTwoDigitYearsNoMoreThanFiftyYearsAhead) {
  // RFC 9110 5.6.7, with "now" in 2024: 74 -> 2074, 75 -> 1975.
  auto y2074 = parse_http_date("Monday, 01-Jan-74 00:00:00 GMT", kJan2024);
  auto y1975 = parse_http_date("Wednesday, 01-Jan-75 00:00:00 GMT", kJan2024);
  ASSERT_TRUE(y2074 && y1975);
  EXPECT_EQ(fmt(*y2074), "Mon, 01 Jan 2074 00:00:00 GMT");
  EXPECT_EQ(fmt(*y1975), "Wed, 01 Jan 1975 00:00:00 GMT");
}

TEST(ParseHttpDate, RejectsMalformedDates) {
  const std::string_view bad[] = {
      "",
      "Sun",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 gmt",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "sun, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT ",
      " Sun, 06 Nov 1994 08:49:37 GMT",
      "Sun,06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sunday, 06 Nov 1994 08:49:37 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94",
      "Sun Nov  6 08:49:37 1994 GMT",
      "Sun, 0x Nov 1994 08:49:37 GMT",
      "1994-11-06T08:49:37Z",
      "784111777",
      std::string_view("Sun, 06 Nov 1994 08:49:37 GMT\0", 30),
  };
  for (std::string_view s : bad) EXPECT_FALSE(parse_http_date(s, kJan2024)) << s;
}

TEST(ParseHttpDate, UsesTheWallClockWhenNotGivenNow) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
}

TEST(DateCache, ReformatsOnlyWhenTheSecondChanges) {
  DateCache cache;
  std::string_view a = cache.at(kRfcExample);
  EXPECT_EQ(a, "Sun, 06 Nov 1994 08:49:37 GMT");
  std::string_view b = cache.at(kRfcExample);
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(cache.at(kRfcExample + 1), "Sun, 06 Nov 1994 08:49:38 GMT");
  EXPECT_EQ(cache.at(-1), "Wed, 31 Dec 1969 23:59:59 GMT");  // -1 is a time, not "empty"
}

TEST(DateCache, GivesTheCurrentTimeAsAParsableDate) {
  DateCache cache;
  time_t before = std::time(nullptr);
  auto parsed = parse_http_date(cache.now());
  time_t after = std::time(nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_GE(*parsed, before);
  EXPECT_LE(*parsed, after);
  EXPECT_EQ(current_http_date().size(), kHttpDateLength);
}

}  // namespace
}  // namespace portico::http
