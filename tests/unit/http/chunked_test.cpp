// Tests for the chunked body decoder: a table of bodies fed whole, split at every byte and one
// byte at a time through a simulated connection buffer that ends at a PROT_NONE page.
#include "portico/http/chunked.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/http/guarded_buffer.h"

namespace portico::http {
namespace {

using namespace std::string_literals;
using testing::GuardedBuffer;

constexpr ParseStatus kOk = ParseStatus::kComplete;
constexpr ParseStatus kMore = ParseStatus::kNeedMore;
constexpr ParseStatus kErr = ParseStatus::kError;
using E = ParseError;

struct Decoded {
  ParseStatus status = kMore;
  ParseError error = E::kNone;
  std::string body;
  std::string trailers;  // "name=value|..."
  size_t consumed = 0;   // total bytes dropped from the buffer
  std::string text() const {
    std::string s = std::to_string(static_cast<int>(status)) + "/" + std::string(to_string(error));
    if (status == kErr) return s;  // how far it got before the error may depend on the split
    return s + " body=" + body + " trailers=" + trailers + " consumed=" + std::to_string(consumed);
  }
};

// Feeds input in pieces ending at each of `cuts` (then the rest), like a connection: the
// unconsumed bytes stay at the front of the buffer and new bytes are appended; the buffer is
// copied to a new place before each call, so views can only be used before consuming.
Decoded decode_pieces(std::string_view input, const std::vector<size_t>& cuts,
                      const RequestLimits& limits = {}) {
  GuardedBuffer guarded(input.size() + 1);
  ChunkedDecoder dec;
  dec.reset();
  Decoded out;
  std::string pending;
  size_t fed = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    pending.append(input.substr(fed, end - fed));
    fed = end;
    for (;;) {
      const std::string_view view = guarded.place(pending);
      const ChunkedResult r = dec.decode(view, limits);
      if (!r.data.empty()) {
        EXPECT_TRUE(r.data.data() >= view.data() &&
                    r.data.data() + r.data.size() <= view.data() + r.consumed);
        out.body.append(r.data);
      }
      out.status = r.status;
      out.error = r.error;
      if (r.status == kOk) {
        for (const HeaderView& h : dec.trailers()) {
          out.trailers += std::string(h.name) + "=" + std::string(h.value) + "|";
        }
      }
      EXPECT_LE(r.consumed, pending.size());
      pending.erase(0, r.consumed);
      out.consumed += r.consumed;
      if (r.status != kMore) {
        EXPECT_EQ(dec.done(), r.status == kOk);
        return out;
      }
      if (r.consumed == 0) break;
    }
  }
  return out;
}

struct Case {
  std::string name;
  std::string input;
  ParseStatus status;
  ParseError error;
  std::string body = {};
};

std::vector<Case> table() {
  return {
      // --- valid -----------------------------------------------------------------------------
      {"one chunk", "5\r\nhello\r\n0\r\n\r\n", kOk, E::kNone, "hello"},
      {"empty body", "0\r\n\r\n", kOk, E::kNone, ""},
      {"two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", kOk, E::kNone, "hello world"},
      {"hex both cases", "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n", kOk, E::kNone,
       "0123456789abcdefghij"},
      {"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", kOk, E::kNone, "hello"},
      {"CRLF inside data", "4\r\n\r\n\r\n\r\n0\r\n\r\n", kOk, E::kNone, "\r\n\r\n"},
      {"extensions skipped", "5;name=value;flag\r\nhello\r\n0;last\r\n\r\n", kOk, E::kNone,
       "hello"},
      {"extension with BWS", "5 ;\ta = b\r\nhello\r\n0\r\n\r\n", kOk, E::kNone, "hello"},
      {"quoted extension", "5;a=\"b;c\\\"d\"\r\nhello\r\n0\r\n\r\n", kOk, E::kNone, "hello"},
      {"trailers", "5\r\nhello\r\n0\r\nChecksum: abc\r\nX:  y \r\n\r\n", kOk, E::kNone, "hello"},
      {"pipelined request after the body", "1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n", kOk,
       E::kNone, "x"},
      {"NUL bytes in data", "3\r\n\0\0\0\r\n0\r\n\r\n"s, kOk, E::kNone, "\0\0\0"s},
      // --- incomplete -------------------------------------------------------------------------
      {"nothing", "", kMore, E::kNone},
      {"size only", "5", kMore, E::kNone},
      {"size and CR", "5\r", kMore, E::kNone},
      {"part of the data", "5\r\nhel", kMore, E::kNone, "hel"},
      {"data without CRLF yet", "5\r\nhello", kMore, E::kNone, "hello"},
      {"no last chunk", "5\r\nhello\r\n", kMore, E::kNone, "hello"},
      {"last chunk without trailer end", "0\r\n", kMore, E::kNone},
      {"trailer field without end", "0\r\nX: y\r\n", kMore, E::kNone},
      // --- chunk-size line ----------------------------------------------------------------------
      {"not hex", "x\r\n", kErr, E::kBadChunkSize},
      {"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", kErr, E::kBadChunkSize},
      {"plus sign", "+5\r\nhello\r\n", kErr, E::kBadChunkSize},
      {"minus sign", "-5\r\nhello\r\n", kErr, E::kBadChunkSize},
      {"leading space", " 5\r\nhello\r\n", kErr, E::kBadChunkSize},
      {"empty size line", "\r\nhello\r\n", kErr, E::kBadChunkSize},
      {"trailing space without extension", "5 \r\nhello\r\n", kErr, E::kBadChunkExtension},
      {"text after size", "5 x\r\nhello\r\n", kErr, E::kBadChunkExtension},
      {"bare LF after size", "5\nhello\r\n0\r\n\r\n", kErr, E::kBareLf},
      {"bare CR after size", "5\rhello\r\n0\r\n\r\n", kErr, E::kBareCr},
      {"bare LF in extension", "5;a\nhello\r\n", kErr, E::kBareLf},
      {"control char in extension", "5;a\x01\r\nhello\r\n", kErr, E::kBadChunkExtension},
      {"NUL in extension", "5;a\0\r\nhello\r\n"s, kErr, E::kBadChunkExtension},
      {"17 hex digits", "10000000000000000\r\n", kErr, E::kChunkSizeOverflow},
      {"many f", "fffffffffffffffffffff\r\n", kErr, E::kChunkSizeOverflow},
      {"64-bit size over the body limit", "ffffffffffffffff\r\n", kErr, E::kBodyTooLarge},
      {"size over the body limit", "100001\r\n", kErr, E::kBodyTooLarge},
      {"extension too long", "5;" + std::string(5000, 'x') + "\r\nhello\r\n", kErr,
       E::kChunkLineTooLong},
      {"leading zeros too long", std::string(5000, '0') + "5\r\nhello\r\n", kErr,
       E::kChunkLineTooLong},
      // --- chunk data ---------------------------------------------------------------------------
      {"data longer than size", "5\r\nhelloX\r\n0\r\n\r\n", kErr, E::kMissingChunkCrlf, "hello"},
      {"data then bare LF", "5\r\nhello\n0\r\n\r\n", kErr, E::kMissingChunkCrlf, "hello"},
      {"data then CR only", "5\r\nhello\r0\r\n\r\n", kErr, E::kMissingChunkCrlf, "hello"},
      // --- trailers -----------------------------------------------------------------------------
      {"space before colon in trailer", "0\r\nX : y\r\n\r\n", kErr, E::kWhitespaceBeforeColon},
      {"folded trailer", "0\r\nX: y\r\n z\r\n\r\n", kErr, E::kObsFold},
      {"control char in trailer", "0\r\nX: a\0\r\n\r\n"s, kErr, E::kControlChar},
      {"bare LF in trailer", "0\r\nX: a\n\r\n", kErr, E::kBareLf},
      {"bare LF ending trailers", "0\r\n\n", kErr, E::kBareLf},
      {"trailer without colon", "0\r\nNoColon\r\n\r\n", kErr, E::kMissingColon},
      {"bare CR in trailer", "0\r\nX: a\rb\r\n\r\n", kErr, E::kBareCr},
  };
}

TEST(ChunkedDecoder, TableCasesGiveTheSameResultWholeSplitAndByteByByte) {
  for (const Case& c : table()) {
    SCOPED_TRACE(c.name);
    const Decoded whole = decode_pieces(c.input, {});
    EXPECT_EQ(static_cast<int>(whole.status), static_cast<int>(c.status)) << whole.text();
    EXPECT_EQ(whole.error, c.error) << to_string(whole.error);
    if (c.status != kErr) {
      EXPECT_EQ(whole.body, c.body);
    }
    for (size_t cut = 0; cut <= c.input.size(); ++cut) {
      EXPECT_EQ(decode_pieces(c.input, {cut}).text(), whole.text()) << "cut at " << cut;
    }
    std::vector<size_t> every;
    for (size_t i = 1; i < c.input.size(); ++i) every.push_back(i);
    EXPECT_EQ(decode_pieces(c.input, every).text(), whole.text());
  }
}

TEST(ChunkedDecoder, ExposesTrailersWithoutMergingThem) {
  const Decoded d = decode_pieces("5\r\nhello\r\n0\r\nChecksum: abc\r\nX:  y \r\n\r\n", {});
  EXPECT_EQ(d.status, kOk);
  EXPECT_EQ(d.trailers, "Checksum=abc|X=y|");
}

TEST(ChunkedDecoder, StopsAtTheEndOfTheBody) {
  const std::string body = "1\r\nx\r\n0\r\n\r\n";
  const Decoded d = decode_pieces(body + "GET / HTTP/1.1\r\n\r\n", {});
  EXPECT_EQ(d.status, kOk);
  EXPECT_EQ(d.consumed, body.size());
}

TEST(ChunkedDecoder, EnforcesBodyLimitAcrossChunks) {
  RequestLimits limits;
  limits.max_body_bytes = 10;
  const Decoded at_limit = decode_pieces("6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n", {}, limits);
  EXPECT_EQ(at_limit.status, kOk);
  EXPECT_EQ(at_limit.body, "abcdefghij");
  const Decoded over = decode_pieces("6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n", {}, limits);
  EXPECT_EQ(over.error, E::kBodyTooLarge);
  EXPECT_EQ(over.body, "abcdef");  // refused before any byte of the chunk that would exceed
  EXPECT_EQ(to_status(E::kBodyTooLarge), Status::kContentTooLarge);
}

std::string many_trailers(int n) {
  std::string s = "0\r\n";
  for (int i = 0; i < n; ++i) s += "T" + std::to_string(i) + ": v\r\n";
  return s + "\r\n";
}

void expect_same_for_every_cut(const std::string& input, ParseStatus status, ParseError error) {
  const Decoded whole = decode_pieces(input, {});
  EXPECT_EQ(whole.status, status);
  EXPECT_EQ(whole.error, error) << to_string(whole.error);
  for (size_t cut = 0; cut <= input.size(); cut += 7) {
    EXPECT_EQ(decode_pieces(input, {cut}).text(), whole.text()) << "cut at " << cut;
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
  EXPECT_EQ(decode_pieces(input, every).text(), whole.text());
}

TEST(ChunkedDecoder, BoundsTrailerCount) {
  expect_same_for_every_cut(many_trailers(100), kOk, E::kNone);
  expect_same_for_every_cut(many_trailers(101), kErr, E::kTooManyTrailers);
}

TEST(ChunkedDecoder, BoundsTrailerSection) {
  // 8 KiB: "X: " + value + CRLF + final CRLF.
  const std::string at_limit = "0\r\nX: " + std::string(8192 - 3 - 2 - 2, 'v') + "\r\n\r\n";
  expect_same_for_every_cut(at_limit, kOk, E::kNone);
  const std::string over = "0\r\nX: " + std::string(8192 - 3 - 2 - 1, 'v') + "\r\n\r\n";
  expect_same_for_every_cut(over, kErr, E::kTrailerTooLarge);
  EXPECT_EQ(to_status(E::kTrailerTooLarge), Status::kRequestHeaderFieldsTooLarge);
}

TEST(ChunkedDecoder, AcceptsChunkLineAtTheLimit) {
  RequestLimits limits;
  limits.max_chunk_line_bytes = 8;
  EXPECT_EQ(decode_pieces("1;abcdef\r\nx\r\n0\r\n\r\n", {}, limits).status, kOk);
  EXPECT_EQ(decode_pieces("1;abcdefg\r\nx\r\n0\r\n\r\n", {}, limits).error, E::kChunkLineTooLong);
}

TEST(ChunkedDecoder, DecodeAllDeliversEverySpan) {
  ChunkedDecoder dec;
  dec.reset();
  std::string body;
  const std::string input = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nrest";
  const ChunkedResult r =
      dec.decode_all(input, RequestLimits{}, [&](std::string_view d) { body.append(d); });
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(r.consumed, input.size() - 4);
  EXPECT_EQ(body, "abcde");
  EXPECT_EQ(dec.body_bytes(), 5u);
}

TEST(ChunkedDecoder, ResetPreparesForTheNextBody) {
  ChunkedDecoder dec;
  dec.reset();
  std::string body;
  auto sink = [&](std::string_view d) { body.append(d); };
  ASSERT_EQ(dec.decode_all("2\r\nab\r\n0\r\nT: 1\r\n\r\n", RequestLimits{}, sink).status, kOk);
  EXPECT_EQ(dec.trailers().size(), 1u);
  dec.reset();
  EXPECT_FALSE(dec.done());
  EXPECT_TRUE(dec.trailers().empty());
  EXPECT_EQ(dec.body_bytes(), 0u);
  ASSERT_EQ(dec.decode_all("1\r\nc\r\n0\r\n\r\n", RequestLimits{}, sink).status, kOk);
  EXPECT_EQ(body, "abc");
}

TEST(ChunkedDecoder, ReturnsCompleteAgainOnceDone) {
  ChunkedDecoder dec;
  dec.reset();
  ASSERT_EQ(dec.decode("0\r\n\r\n", RequestLimits{}).status, kOk);
  const ChunkedResult again = dec.decode("more", RequestLimits{});
  EXPECT_EQ(again.status, kOk);
  EXPECT_EQ(again.consumed, 0u);
}

}  // namespace
}  // namespace portico::http
