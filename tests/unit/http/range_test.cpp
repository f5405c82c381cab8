// Tests for src/http/range.cpp: Range parsing, evaluation, Content-Range and multipart framing.
#include "portico/http/range.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace portico::http {
namespace {

using Kind = RangeSpec::Kind;

TEST(ParseRangeHeader, ParsesEachSpecForm) {
  auto specs = parse_range_header("bytes=0-499,9500-,-500");
  ASSERT_TRUE(specs);
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_EQ((*specs)[0].kind, Kind::kFromTo);
  EXPECT_EQ((*specs)[0].first, 0u);
  EXPECT_EQ((*specs)[0].last, 499u);
  EXPECT_EQ((*specs)[1].kind, Kind::kFrom);
  EXPECT_EQ((*specs)[1].first, 9500u);
  EXPECT_EQ((*specs)[2].kind, Kind::kSuffix);
  EXPECT_EQ((*specs)[2].suffix_length, 500u);
}

TEST(ParseRangeHeader, ToleratesWhitespaceCaseAndEmptyMembers) {
  const std::string_view ok[] = {
      "bytes=0-1",      "Bytes=0-1",   "BYTES=0-1",          "bytes=0-1, 2-3",
      "bytes=0-1 ,2-3", "bytes = 0-1", " bytes=0-1 ",        "bytes=,0-1",
      "bytes=0-1,,2-3", "bytes=0-1,",  "bytes=\t0-1\t,\t-5",
  };
  for (std::string_view v : ok) EXPECT_TRUE(parse_range_header(v)) << v;
}

TEST(ParseRangeHeader, RejectsWhatMustBeIgnored) {
  const std::string_view bad[] = {
      "",
      "bytes",
      "bytes=",
      "bytes=,",
      "bytes= , ",
      "items=0-1",
      "bytesx=0-1",
      "bytes=1",
      "bytes=-",
      "bytes=a-b",
      "bytes=1-a",
      "bytes=5-4",
      "bytes=0-1;2",
      "bytes=0 - 1",
      "bytes=+1-2",
      "bytes=0x1-2",
      "bytes=--1",
      "bytes=1-2-3",
      "bytes=0-1,x",
      "bytes=-1-2",
      "bytes:0-1",
      "bytes=0-1 2-3",
  };
  for (std::string_view v : bad) EXPECT_FALSE(parse_range_header(v)) << v;
}

TEST(ParseRangeHeader, SaturatesHugeNumbers) {
  auto specs = parse_range_header("bytes=99999999999999999999999-,0-99999999999999999999999");
  ASSERT_TRUE(specs);
  EXPECT_EQ((*specs)[0].first, UINT64_MAX);
  EXPECT_EQ((*specs)[1].last, UINT64_MAX);
}

TEST(ParseRangeHeader, IgnoresTheHeaderPastTheRangeLimit) {
  std::string v = "bytes=0-0";
  for (int i = 1; i < 16; ++i) v += "," + std::to_string(i * 2) + "-" + std::to_string(i * 2);
  EXPECT_TRUE(parse_range_header(v));
  v += ",100-100";
  EXPECT_FALSE(parse_range_header(v));
  EXPECT_TRUE(parse_range_header(v, RangeLimits{.max_ranges = 17}));
}

struct EvalCase {
  std::string_view header;
  uint64_t size;
  RangeOutcome outcome;
  std::vector<ByteRange> ranges;
};

TEST(EvaluateRangeHeader, ResolvesAgainstTheFileSize) {
  constexpr auto kPartial = RangeOutcome::kPartial;
  constexpr auto kIgnore = RangeOutcome::kIgnore;
  constexpr auto k416 = RangeOutcome::kUnsatisfiable;
  const EvalCase cases[] = {
      // RFC 9110 14.1.2 examples, on a 10000-byte representation.
      {"bytes=0-499", 10000, kPartial, {{0, 499}}},
      {"bytes=500-999", 10000, kPartial, {{500, 999}}},
      {"bytes=-500", 10000, kPartial, {{9500, 9999}}},
      {"bytes=9500-", 10000, kPartial, {{9500, 9999}}},
      {"bytes=0-0,-1", 10000, kPartial, {{0, 0}, {9999, 9999}}},
      {"bytes=0-", 10000, kPartial, {{0, 9999}}},
      // Clamping and suffixes longer than the file.
      {"bytes=9000-20000", 10000, kPartial, {{9000, 9999}}},
      {"bytes=-20000", 10000, kPartial, {{0, 9999}}},
      {"bytes=0-99999999999999999999999", 10, kPartial, {{0, 9}}},
      // Unsatisfiable members are dropped; none left -> 416.
      {"bytes=10000-", 10000, k416, {}},
      {"bytes=10000-10005", 10000, k416, {}},
      {"bytes=-0", 10000, k416, {}},
      {"bytes=99999999999999999999999-", 10000, k416, {}},
      {"bytes=20000-,-0", 10000, k416, {}},
      {"bytes=20000-,0-1", 10000, kPartial, {{0, 1}}},
      // Sorted and coalesced: overlapping and adjacent ranges merge, gaps stay.
      {"bytes=500-599,0-99", 10000, kPartial, {{0, 99}, {500, 599}}},
      {"bytes=0-99,100-199", 10000, kPartial, {{0, 199}}},
      {"bytes=0-99,50-149", 10000, kPartial, {{0, 149}}},
      {"bytes=0-99,101-199", 10000, kPartial, {{0, 99}, {101, 199}}},
      {"bytes=200-299,0-9,100-199,10-19", 10000, kPartial, {{0, 19}, {100, 299}}},
      // Abuse: the requested ranges total more than the file -> send it once, 200.
      {"bytes=0-,0-", 10000, kIgnore, {}},
      {"bytes=0-6000,4000-9999", 10000, kIgnore, {}},
      {"bytes=-10000,0-0", 10000, kIgnore, {}},
      // Ignored headers and the empty file -> 200.
      {"items=0-1", 10000, kIgnore, {}},
      {"bytes=5-4", 10000, kIgnore, {}},
      {"bytes=0-", 0, kIgnore, {}},
      {"bytes=-5", 0, kIgnore, {}},
      {"bytes=5-", 0, kIgnore, {}},
      // One-byte file.
      {"bytes=0-0", 1, kPartial, {{0, 0}}},
      {"bytes=-1", 1, kPartial, {{0, 0}}},
      {"bytes=1-", 1, k416, {}},
  };
  for (const EvalCase& c : cases) {
    RangeSet r = evaluate_range_header(c.header, c.size);
    EXPECT_EQ(r.outcome, c.outcome) << c.header << " size " << c.size;
    EXPECT_EQ(r.ranges, c.ranges) << c.header << " size " << c.size;
  }
}

TEST(EvaluateRangeHeader, HandlesTheLargestFileSizes) {
  RangeSet r = evaluate_range_header("bytes=-1", UINT64_MAX);
  ASSERT_EQ(r.outcome, RangeOutcome::kPartial);
  EXPECT_EQ(r.ranges[0], (ByteRange{UINT64_MAX - 1, UINT64_MAX - 1}));
  r = evaluate_range_header("bytes=0-", UINT64_MAX);
  ASSERT_EQ(r.outcome, RangeOutcome::kPartial);
  EXPECT_EQ(r.ranges[0].length(), UINT64_MAX);
}

TEST(ContentRange, FormatsSatisfiedAndUnsatisfiedValues) {
  EXPECT_EQ(content_range_value(0, 499, 1234), "bytes 0-499/1234");
  EXPECT_EQ(content_range_value(UINT64_MAX - 1, UINT64_MAX - 1, UINT64_MAX),
            "bytes 18446744073709551614-18446744073709551614/18446744073709551615");
  EXPECT_EQ(unsatisfied_content_range(1234), "bytes */1234");
  EXPECT_EQ(unsatisfied_content_range(0), "bytes */0");
}

TEST(MakeMultipartBoundary, GivesDistinctHexTokens) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string b = make_multipart_boundary();
    ASSERT_EQ(b.size(), 32u);
    EXPECT_EQ(b.find_first_not_of("0123456789abcdef"), std::string::npos) << b;
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(MakeMultipartByteranges, FramesEachPartAndTheClosingDelimiter) {
  std::vector<ByteRange> ranges = {{0, 49}, {100, 149}};
  MultipartByteranges m = make_multipart_byteranges(ranges, 200, "text/plain", "XYZ");
  EXPECT_EQ(m.content_type, "multipart/byteranges; boundary=XYZ");
  ASSERT_EQ(m.part_headers.size(), 2u);
  EXPECT_EQ(m.part_headers[0],
            "--XYZ\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-49/200\r\n\r\n");
  EXPECT_EQ(m.part_headers[1],
            "\r\n--XYZ\r\nContent-Type: text/plain\r\nContent-Range: bytes 100-149/200\r\n\r\n");
  EXPECT_EQ(m.closing, "\r\n--XYZ--\r\n");
}

TEST(MakeMultipartByteranges, ComputesTheExactContentLength) {
  std::string file(1000, '\0');
  for (size_t i = 0; i < file.size(); ++i) file[i] = static_cast<char>('a' + i % 26);
  std::vector<ByteRange> ranges = {{0, 0}, {10, 19}, {990, 999}};
  MultipartByteranges m =
      make_multipart_byteranges(ranges, file.size(), "text/html; charset=utf-8", "b0undary");
  std::string body;
  for (size_t i = 0; i < ranges.size(); ++i) {
    body += m.part_headers[i];
    body += file.substr(ranges[i].first, ranges[i].length());
  }
  body += m.closing;
  EXPECT_EQ(m.content_length, body.size());
  EXPECT_EQ(body.rfind("--b0undary\r\n", 0), 0u);
  EXPECT_NE(body.find("\r\n\r\nklmnopqrst\r\n--b0undary\r\n"), std::string::npos);
}

TEST(MakeMultipartByteranges, OmitsThePartContentTypeWhenUnknown) {
  MultipartByteranges m = make_multipart_byteranges({{0, 1}, {5, 6}}, 10, "", "B");
  EXPECT_EQ(m.part_headers[0], "--B\r\nContent-Range: bytes 0-1/10\r\n\r\n");
  EXPECT_EQ(m.content_length,
            m.part_headers[0].size() + 2 + m.part_headers[1].size() + 2 + m.closing.size());
}

}  // namespace
}  // namespace portico::http
