// Tests for src/http/conditional.cpp: RFC 9110 13.2.2 evaluation order and If-Range.
#include "portico/http/conditional.h"

#include <gtest/gtest.h>

#include <string>

#include "portico/http/http_date.h"

namespace portico::http {
namespace {

constexpr time_t kLastModified = 1700000000;
constexpr time_t kNow = 1700003600;

std::string date(time_t t) { return std::string(format_http_date(t).view()); }

Validators existing() {
  Validators v;
  v.etag = "\"abc\"";
  v.last_modified = kLastModified;
  v.now = kNow;
  return v;
}

Validators missing() {
  Validators v;
  v.exists = false;
  v.now = kNow;
  return v;
}

const std::string kAtLm = date(kLastModified);
const std::string kBeforeLm = date(kLastModified - 1);
const std::string kAfterLm = date(kLastModified + 1);
const std::string kFuture = date(kNow + 100);

struct Case {
  const char* name;
  Method method;
  ConditionalFields fields;
  Validators v;
  Precondition expected;
};

constexpr auto kProceed = Precondition::kProceed;
constexpr auto k304 = Precondition::kNotModified;
constexpr auto k412 = Precondition::kPreconditionFailed;

TEST(EvaluatePreconditions, FollowsRfc9110Section13) {
  const Case cases[] = {
      {"no conditions", Method::kGet, {}, existing(), kProceed},

      // 13.1.1 If-Match: strong comparison.
      {"If-Match same tag", Method::kGet, {.if_match = "\"abc\""}, existing(), kProceed},
      {"If-Match in a list", Method::kPut, {.if_match = "\"x\", \"abc\""}, existing(), kProceed},
      {"If-Match other tag", Method::kGet, {.if_match = "\"xyz\""}, existing(), k412},
      {"If-Match weak tag never matches",
       Method::kPut,
       {.if_match = "W/\"abc\""},
       existing(),
       k412},
      {"If-Match star, exists", Method::kPut, {.if_match = "*"}, existing(), kProceed},
      {"If-Match star, missing", Method::kPut, {.if_match = "*"}, missing(), k412},
      {"If-Match garbage", Method::kPut, {.if_match = "abc"}, existing(), k412},
      {"If-Match empty", Method::kPut, {.if_match = ""}, existing(), k412},

      // 13.1.4 If-Unmodified-Since.
      {"IUS equal", Method::kPut, {.if_unmodified_since = kAtLm}, existing(), kProceed},
      {"IUS later", Method::kPut, {.if_unmodified_since = kAfterLm}, existing(), kProceed},
      {"IUS earlier", Method::kPut, {.if_unmodified_since = kBeforeLm}, existing(), k412},
      {"IUS earlier on GET", Method::kGet, {.if_unmodified_since = kBeforeLm}, existing(), k412},
      {"IUS invalid is ignored",
       Method::kPut,
       {.if_unmodified_since = "yesterday"},
       existing(),
       kProceed},
      {"IUS ignored when If-Match present",
       Method::kPut,
       {.if_match = "\"abc\"", .if_unmodified_since = kBeforeLm},
       existing(),
       kProceed},

      // 13.1.2 If-None-Match: weak comparison; 304 for GET/HEAD, 412 otherwise.
      {"INM same tag GET", Method::kGet, {.if_none_match = "\"abc\""}, existing(), k304},
      {"INM same tag HEAD", Method::kHead, {.if_none_match = "\"abc\""}, existing(), k304},
      {"INM weak tag matches weakly",
       Method::kGet,
       {.if_none_match = "W/\"abc\""},
       existing(),
       k304},
      {"INM in a list", Method::kGet, {.if_none_match = "\"a\", \"b\", \"abc\""}, existing(), k304},
      {"INM same tag PUT", Method::kPut, {.if_none_match = "\"abc\""}, existing(), k412},
      {"INM same tag DELETE", Method::kDelete, {.if_none_match = "\"abc\""}, existing(), k412},
      {"INM other tag", Method::kGet, {.if_none_match = "\"xyz\""}, existing(), kProceed},
      {"INM star GET, exists", Method::kGet, {.if_none_match = "*"}, existing(), k304},
      {"INM star PUT, exists", Method::kPut, {.if_none_match = "*"}, existing(), k412},
      {"INM star PUT, missing (create only)",
       Method::kPut,
       {.if_none_match = "*"},
       missing(),
       kProceed},
      {"INM garbage", Method::kGet, {.if_none_match = "abc"}, existing(), kProceed},

      // 13.1.3 If-Modified-Since: GET/HEAD only.
      {"IMS equal", Method::kGet, {.if_modified_since = kAtLm}, existing(), k304},
      {"IMS later", Method::kHead, {.if_modified_since = kAfterLm}, existing(), k304},
      {"IMS earlier", Method::kGet, {.if_modified_since = kBeforeLm}, existing(), kProceed},
      {"IMS in the future is invalid",
       Method::kGet,
       {.if_modified_since = kFuture},
       existing(),
       kProceed},
      {"IMS invalid", Method::kGet, {.if_modified_since = "not a date"}, existing(), kProceed},
      {"IMS RFC 850 form",
       Method::kGet,
       {.if_modified_since = "Tuesday, 14-Nov-23 22:13:20 GMT"},
       existing(),
       k304},
      {"IMS on POST is ignored", Method::kPost, {.if_modified_since = kAtLm}, existing(), kProceed},
      {"IMS ignored when INM present",
       Method::kGet,
       {.if_none_match = "\"xyz\"", .if_modified_since = kAtLm},
       existing(),
       kProceed},
      {"IMS without Last-Modified",
       Method::kGet,
       {.if_modified_since = kAtLm},
       Validators{.exists = true, .etag = "\"abc\"", .last_modified = {}, .now = kNow},
       kProceed},

      // 13.2.2 order: a failed step 1 or 2 wins over a 304 from step 3 or 4.
      {"If-Match fails before INM",
       Method::kGet,
       {.if_match = "\"xyz\"", .if_none_match = "\"abc\""},
       existing(),
       k412},
      {"IUS fails before IMS",
       Method::kGet,
       {.if_modified_since = kAtLm, .if_unmodified_since = kBeforeLm},
       existing(),
       k412},
      {"If-Match passes then INM matches",
       Method::kGet,
       {.if_match = "\"abc\"", .if_none_match = "\"abc\""},
       existing(),
       k304},
      {"IUS passes then IMS not modified",
       Method::kGet,
       {.if_modified_since = kAtLm, .if_unmodified_since = kAtLm},
       existing(),
       k304},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(evaluate_preconditions(c.method, c.fields, c.v), c.expected) << c.name;
  }
}

TEST(IfRangeAllowsRange, HonoursRangeWithoutIfRange) {
  EXPECT_TRUE(if_range_allows_range(std::nullopt, existing()));
}

TEST(IfRangeAllowsRange, RequiresAStrongEntityTagMatch) {
  EXPECT_TRUE(if_range_allows_range("\"abc\"", existing()));
  EXPECT_TRUE(if_range_allows_range(" \"abc\" ", existing()));
  EXPECT_FALSE(if_range_allows_range("\"xyz\"", existing()));
  EXPECT_FALSE(if_range_allows_range("W/\"abc\"", existing()));
  EXPECT_FALSE(if_range_allows_range("\"abc\", \"xyz\"", existing()));  // one tag, not a list
  Validators no_tag = existing();
  no_tag.etag = "";
  EXPECT_FALSE(if_range_allows_range("\"abc\"", no_tag));
}

TEST(IfRangeAllowsRange, RequiresAnExactStrongLastModified) {
  EXPECT_TRUE(if_range_allows_range(kAtLm, existing()));
  EXPECT_FALSE(if_range_allows_range(kBeforeLm, existing()));
  EXPECT_FALSE(if_range_allows_range(kAfterLm, existing()));
  Validators just_modified = existing();
  just_modified.now = kLastModified;  // could change again within this second: weak
  EXPECT_FALSE(if_range_allows_range(kAtLm, just_modified));
  Validators no_date = existing();
  no_date.last_modified.reset();
  EXPECT_FALSE(if_range_allows_range(kAtLm, no_date));
}

TEST(IfRangeAllowsRange, IgnoresRangeForGarbageOrAMissingRepresentation) {
  EXPECT_FALSE(if_range_allows_range("", existing()));
  EXPECT_FALSE(if_range_allows_range("garbage", existing()));
  EXPECT_FALSE(if_range_allows_range("\"abc", existing()));
  EXPECT_FALSE(if_range_allows_range("\"abc\"", missing()));
}

}  // namespace
}  // namespace portico::http
