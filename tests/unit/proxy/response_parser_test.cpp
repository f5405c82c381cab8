// Tests for the upstream response-head parser: a table of valid and malformed heads, each fed
// whole, split at every byte and one byte at a time, from a buffer ending at a PROT_NONE page;
// then the framing decisions of RFC 9112 6.3 one by one.
#include "portico/proxy/response_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/http/guarded_buffer.h"

namespace portico::proxy {
namespace {

using http::Method;
using http::ParseStatus;
using http::testing::GuardedBuffer;
using E = ResponseError;

constexpr ParseStatus kOk = ParseStatus::kComplete;
constexpr ParseStatus kMore = ParseStatus::kNeedMore;
constexpr ParseStatus kErr = ParseStatus::kError;

std::string describe(ResponseParseResult r, const ResponseHead& h) {
  std::string s =
      std::to_string(static_cast<int>(r.status)) + "/" + std::string(to_string(r.error));
  if (r.status != kOk) return s;
  s += " v=" + std::string(http::to_string(h.version)) + " s=" + std::to_string(h.status) +
       " r=" + std::string(h.reason) + " body=" + std::to_string(static_cast<int>(h.body)) +
       " cl=" + std::to_string(h.content_length) + " ka=" + std::to_string(h.keep_alive) +
       " close=" + std::to_string(h.connection_close) + " hb=" + std::to_string(h.head_bytes) +
       " |";
  for (const auto& f : h.headers) s += std::string(f.name) + "=" + std::string(f.value) + "|";
  return s;
}

struct Parsed {
  ResponseParseResult result;
  ResponseHead head;  // views into a buffer that is gone: compare `text`, not these
  std::string text;
};

Parsed parse_whole(std::string_view input, Method m = Method::kGet,
                   const ResponseLimits& limits = {}) {
  GuardedBuffer buf(input.size() + 1);
  http::HeadScanState st;
  Parsed p;
  p.result = parse_response_head(buf.place(input), m, limits, st, p.head);
  p.text = describe(p.result, p.head);
  return p;
}

// input[0, cut) then the whole input, copied again (the buffer "moved" between reads).
std::string parse_split(std::string_view input, size_t cut, Method m = Method::kGet,
                        const ResponseLimits& limits = {}) {
  GuardedBuffer buf(input.size() + 1);
  http::HeadScanState st;
  ResponseHead head;
  ResponseParseResult r = parse_response_head(buf.place(input.substr(0, cut)), m, limits, st, head);
  if (r.status == kMore) r = parse_response_head(buf.place(input), m, limits, st, head);
  return describe(r, head);
}

std::string parse_byte_by_byte(std::string_view input, Method m = Method::kGet) {
  GuardedBuffer buf(input.size() + 1);
  http::HeadScanState st;
  ResponseHead head;
  ResponseParseResult r;
  for (size_t n = 1; n <= input.size(); ++n) {
    r = parse_response_head(buf.place(input.substr(0, n)), m, {}, st, head);
    if (r.status != kMore) break;
  }
  return describe(r, head);
}

std::string resp(std::string_view fields, std::string_view line = "HTTP/1.1 200 OK") {
  return std::string(line) + "\r\n" + std::string(fields) + "\r\n";
}

struct Case {
  std::string name;
  std::string input;
  ParseStatus status;
  ResponseError error;
};

std::vector<Case> table() {
  return {
      // --- valid --------------------------------------------------------------------------------
      {"200 with length", resp("Content-Length: 5\r\n"), kOk, E::kNone},
      {"no reason phrase", resp("Content-Length: 0\r\n", "HTTP/1.1 204 "), kOk, E::kNone},
      {"no SP after code", resp("", "HTTP/1.1 204"), kOk, E::kNone},
      {"reason with spaces, tab, obs-text", resp("", "HTTP/1.1 404 Not\tFound \xe9"), kOk,
       E::kNone},
      {"HTTP/1.0", resp("", "HTTP/1.0 200 OK"), kOk, E::kNone},
      {"HTTP/1.2 read as 1.1", resp("", "HTTP/1.2 200 OK"), kOk, E::kNone},
      {"chunked", resp("Transfer-Encoding: chunked\r\n"), kOk, E::kNone},
      {"chunked any case, with OWS", resp("transfer-encoding:  Chunked \r\n"), kOk, E::kNone},
      {"repeated equal lengths", resp("Content-Length: 7\r\nContent-Length: 7, 7\r\n"), kOk,
       E::kNone},
      {"leading empty line", "\r\n" + resp(""), kOk, E::kNone},
      {"many fields", resp("A: 1\r\nB: 2\r\nSet-Cookie: x=1\r\nSet-Cookie: y=2\r\n"), kOk,
       E::kNone},
      {"empty value", resp("X:\r\n"), kOk, E::kNone},
      // --- status line ----------------------------------------------------------------------
      {"not HTTP", resp("", "SSH-2.0-OpenSSH"), kErr, E::kBadVersion},
      {"lowercase http", resp("", "http/1.1 200 OK"), kErr, E::kBadVersion},
      {"HTTP/2", resp("", "HTTP/2 200"), kErr, E::kBadVersion},
      {"HTTP/2.0", resp("", "HTTP/2.0 200 OK"), kErr, E::kBadVersion},
      {"two-digit minor", resp("", "HTTP/1.10 200 OK"), kErr, E::kBadVersion},
      {"two spaces", resp("", "HTTP/1.1  200 OK"), kErr, E::kBadStatusCode},
      {"no status", resp("", "HTTP/1.1"), kErr, E::kBadStatusCode},
      {"short status", resp("", "HTTP/1.1 20 OK"), kErr, E::kBadStatusCode},
      {"long status", resp("", "HTTP/1.1 2000 OK"), kErr, E::kBadStatusCode},
      {"status 099", resp("", "HTTP/1.1 099 X"), kErr, E::kBadStatusCode},
      {"status 600", resp("", "HTTP/1.1 600 X"), kErr, E::kBadStatusCode},
      {"signed status", resp("", "HTTP/1.1 +20 OK"), kErr, E::kBadStatusCode},
      {"NUL in reason", resp("", std::string("HTTP/1.1 200 O\0K", 16)), kErr, E::kBadReasonPhrase},
      {"DEL in reason", resp("", "HTTP/1.1 200 O\x7fK"), kErr, E::kBadReasonPhrase},
      {"bare CR in reason", resp("", "HTTP/1.1 200 O\rK"), kErr, E::kBareCr},
      {"bare LF after status", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", kErr, E::kBareLf},
      {"bare LF empty line first", "\n" + resp(""), kErr, E::kBareLf},
      {"too many empty lines", "\r\n\r\n\r\n\r\n\r\n" + resp(""), kErr, E::kTooManyEmptyLines},
      // --- field lines ----------------------------------------------------------------------
      {"obs-fold", resp("A: 1\r\n  2\r\n"), kErr, E::kObsFold},
      {"space before colon", resp("Content-Length : 5\r\n"), kErr, E::kWhitespaceBeforeColon},
      {"no colon", resp("Content-Length\r\n"), kErr, E::kMissingColon},
      {"bad name", resp("Bad@Name: 1\r\n"), kErr, E::kInvalidFieldName},
      {"empty name", resp(": 1\r\n"), kErr, E::kInvalidFieldName},
      {"NUL in value", resp(std::string("A: \0\r\n", 6)), kErr, E::kControlChar},
      {"bare CR in value", resp("A: x\ry\r\n"), kErr, E::kBareCr},
      {"bare LF in fields", "HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\n\r\n", kErr, E::kBareLf},
      {"bare LF ends head", "HTTP/1.1 200 OK\r\nA: 1\r\n\n", kErr, E::kBareLf},
      // --- framing (smuggling) --------------------------------------------------------------
      {"CL and TE", resp("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), kErr,
       E::kContentLengthWithTransferEncoding},
      {"TE and CL", resp("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), kErr,
       E::kContentLengthWithTransferEncoding},
      {"CL and TE on 304 too",
       resp("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "HTTP/1.1 304 Not Modified"),
       kErr, E::kContentLengthWithTransferEncoding},
      {"conflicting CL", resp("Content-Length: 5\r\nContent-Length: 6\r\n"), kErr,
       E::kConflictingContentLength},
      {"conflicting CL list", resp("Content-Length: 5, 6\r\n"), kErr, E::kConflictingContentLength},
      {"negative CL", resp("Content-Length: -1\r\n"), kErr, E::kBadContentLength},
      {"hex CL", resp("Content-Length: 0x10\r\n"), kErr, E::kBadContentLength},
      {"empty CL", resp("Content-Length:\r\n"), kErr, E::kBadContentLength},
      {"CL with empty element", resp("Content-Length: 5,\r\n"), kErr, E::kBadContentLength},
      {"CL overflow", resp("Content-Length: 18446744073709551616\r\n"), kErr, E::kBadContentLength},
      {"CL with space inside", resp("Content-Length: 1 2\r\n"), kErr, E::kBadContentLength},
      {"TE in HTTP/1.0", resp("Transfer-Encoding: chunked\r\n", "HTTP/1.0 200 OK"), kErr,
       E::kTransferEncodingInHttp10},
      {"chunked twice", resp("Transfer-Encoding: chunked, chunked\r\n"), kErr,
       E::kBadTransferEncoding},
      {"chunked in two fields",
       resp("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), kErr,
       E::kBadTransferEncoding},
      {"empty TE", resp("Transfer-Encoding:\r\n"), kErr, E::kBadTransferEncoding},
      {"TE only commas", resp("Transfer-Encoding: , ,\r\n"), kErr, E::kBadTransferEncoding},
      {"chunked with parameter", resp("Transfer-Encoding: chunked;q=1\r\n"), kErr,
       E::kBadTransferEncoding},
      {"TE garbage", resp("Transfer-Encoding: chunked x\r\n"), kErr, E::kBadTransferEncoding},
      {"gzip then chunked", resp("Transfer-Encoding: gzip, chunked\r\n"), kErr,
       E::kUnsupportedTransferEncoding},
      {"chunked not last", resp("Transfer-Encoding: chunked, gzip\r\n"), kErr,
       E::kUnsupportedTransferEncoding},
      {"identity", resp("Transfer-Encoding: identity\r\n"), kErr, E::kUnsupportedTransferEncoding},
      // --- incomplete -----------------------------------------------------------------------
      {"no final CRLF", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", kMore, E::kNone},
      {"only status", "HTTP/1.1 200 OK\r\n", kMore, E::kNone},
      {"half a line", "HTTP/1.1 2", kMore, E::kNone},
      {"empty", "", kMore, E::kNone},
  };
}

TEST(ResponseParserTest, TableGivesTheSameResultWholeSplitAtEveryByteAndByteByByte) {
  for (const Case& c : table()) {
    SCOPED_TRACE(c.name);
    const Parsed whole = parse_whole(c.input);
    EXPECT_EQ(whole.result.status, c.status) << whole.text;
    EXPECT_EQ(whole.result.error, c.error) << whole.text;
    for (size_t cut = 0; cut <= c.input.size(); ++cut) {
      EXPECT_EQ(parse_split(c.input, cut), whole.text) << "cut at " << cut;
    }
    EXPECT_EQ(parse_byte_by_byte(c.input), whole.text);
  }
}

TEST(ResponseParserTest, FillsTheHeadWithViewsIntoTheInput) {
  const std::string in =
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
      "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nabc";
  http::HeadScanState st;
  ResponseHead h;
  const auto r = parse_response_head(in, Method::kGet, {}, st, h);
  ASSERT_EQ(r.status, kOk);
  EXPECT_EQ(h.version, http::Version::kHttp11);
  EXPECT_EQ(h.status, 404);
  EXPECT_EQ(h.reason, "Not Found");
  ASSERT_EQ(h.headers.size(), 4u);
  EXPECT_EQ(h.headers[3].name, "Set-Cookie");
  EXPECT_EQ(h.headers[3].value, "b=2");
  EXPECT_EQ(h.header("content-type"), "text/plain");
  EXPECT_EQ(h.find("x-missing"), nullptr);
  EXPECT_EQ(h.body, ResponseBody::kContentLength);
  EXPECT_EQ(h.content_length, 3u);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(in.substr(h.head_bytes), "abc");
  EXPECT_GE(h.reason.data(), in.data());
  EXPECT_LT(h.reason.data(), in.data() + in.size());
}

struct Framing {
  ResponseBody body;
  uint64_t length;
  bool keep_alive;
};

Framing framing(std::string_view head, Method m = Method::kGet) {
  const Parsed p = parse_whole(head, m);
  EXPECT_EQ(p.result.status, kOk) << head << " -> " << p.text;
  return {p.head.body, p.head.content_length, p.head.keep_alive};
}

TEST(ResponseParserTest, NoBodyFor1xx204And304EvenWithFraming) {
  for (const char* line : {"HTTP/1.1 100 Continue", "HTTP/1.1 103 Early Hints",
                           "HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified"}) {
    const Framing f = framing(resp("Content-Length: 10\r\n", line));
    EXPECT_EQ(f.body, ResponseBody::kNone) << line;
    EXPECT_TRUE(f.keep_alive) << line;
    EXPECT_EQ(framing(resp("Transfer-Encoding: chunked\r\n", line)).body, ResponseBody::kNone);
    EXPECT_EQ(framing(resp("", line)).body, ResponseBody::kNone) << line;
  }
}

TEST(ResponseParserTest, NoBodyForAResponseToHead) {
  EXPECT_EQ(framing(resp("Content-Length: 10\r\n"), Method::kHead).body, ResponseBody::kNone);
  EXPECT_EQ(framing(resp("Transfer-Encoding: chunked\r\n"), Method::kHead).body,
            ResponseBody::kNone);
  // Without a length a HEAD response is still complete, and the connection stays usable.
  const Framing f = framing(resp(""), Method::kHead);
  EXPECT_EQ(f.body, ResponseBody::kNone);
  EXPECT_TRUE(f.keep_alive);
}

TEST(ResponseParserTest, LengthChunkedAndCloseDelimitedBodies) {
  Framing f = framing(resp("Content-Length: 42\r\n"));
  EXPECT_EQ(f.body, ResponseBody::kContentLength);
  EXPECT_EQ(f.length, 42u);
  f = framing(resp("Content-Length: 0\r\n"));
  EXPECT_EQ(f.body, ResponseBody::kContentLength);
  EXPECT_EQ(f.length, 0u);
  EXPECT_EQ(framing(resp("Transfer-Encoding: chunked\r\n")).body, ResponseBody::kChunked);
  f = framing(resp(""));
  EXPECT_EQ(f.body, ResponseBody::kUntilClose);
  EXPECT_FALSE(f.keep_alive);  // the end of the body is the end of the connection
  EXPECT_EQ(framing(resp("Content-Length: 18446744073709551615\r\n")).length, UINT64_MAX);
}

TEST(ResponseParserTest, SwitchingProtocolsAndConnectSuccessAreTunnels) {
  Framing f = framing(
      resp("Upgrade: websocket\r\nConnection: Upgrade\r\n", "HTTP/1.1 101 Switching Protocols"));
  EXPECT_EQ(f.body, ResponseBody::kTunnel);
  EXPECT_FALSE(f.keep_alive);
  EXPECT_EQ(framing(resp("", "HTTP/1.1 200 Connection established"), Method::kConnect).body,
            ResponseBody::kTunnel);
  // A refused CONNECT has an ordinary body.
  EXPECT_EQ(framing(resp("Content-Length: 3\r\n", "HTTP/1.1 403 Forbidden"), Method::kConnect).body,
            ResponseBody::kContentLength);
}

TEST(ResponseParserTest, InterimResponsesAreMarkedSoTheFinalOneIsReadNext) {
  const std::string in =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  http::HeadScanState st;
  ResponseHead h;
  ASSERT_EQ(parse_response_head(in, Method::kPost, {}, st, h).status, kOk);
  EXPECT_TRUE(h.interim());
  const size_t used = h.head_bytes;
  st.reset();
  ASSERT_EQ(parse_response_head(std::string_view(in).substr(used), Method::kPost, {}, st, h).status,
            kOk);
  EXPECT_FALSE(h.interim());
  EXPECT_EQ(h.status, 201);
}

TEST(ResponseParserTest, PersistenceFollowsVersionAndConnection) {
  EXPECT_TRUE(framing(resp("Content-Length: 0\r\n")).keep_alive);
  EXPECT_FALSE(framing(resp("Content-Length: 0\r\nConnection: close\r\n")).keep_alive);
  EXPECT_FALSE(framing(resp("Content-Length: 0\r\nConnection: x, Close\r\n")).keep_alive);
  EXPECT_FALSE(framing(resp("Content-Length: 0\r\n", "HTTP/1.0 200 OK")).keep_alive);
  EXPECT_TRUE(framing(resp("Content-Length: 0\r\nConnection: keep-alive\r\n", "HTTP/1.0 200 OK"))
                  .keep_alive);
  const Parsed p = parse_whole(resp("Content-Length: 0\r\nConnection: close\r\n"));
  EXPECT_TRUE(p.head.connection_close);
}

// Split points for long inputs: every byte near the ends and a stride in between.
std::vector<size_t> cuts(size_t n) {
  std::vector<size_t> v;
  for (size_t i = 0; i <= n; ++i) {
    if (i < 64 || i + 64 > n || i % 97 == 0) v.push_back(i);
  }
  return v;
}

void expect_everywhere(const std::string& input, ParseStatus status, ResponseError error,
                       const ResponseLimits& limits = {}) {
  const Parsed whole = parse_whole(input, Method::kGet, limits);
  EXPECT_EQ(whole.result.status, status) << whole.text;
  EXPECT_EQ(whole.result.error, error) << whole.text;
  for (size_t cut : cuts(input.size())) {
    EXPECT_EQ(parse_split(input, cut, Method::kGet, limits), whole.text) << "cut at " << cut;
  }
}

TEST(ResponseParserTest, StatusLineLimitIsExact) {
  ResponseLimits limits;
  limits.max_status_line_bytes = 64;
  const std::string at = "HTTP/1.1 200 " + std::string(64 - 13, 'x');
  expect_everywhere(resp("", at), kOk, E::kNone, limits);
  expect_everywhere(resp("", at + "x"), kErr, E::kStatusLineTooLong, limits);
  // An endless status line is refused before its end arrives.
  const Parsed p = parse_whole(at + "xx", Method::kGet, limits);
  EXPECT_EQ(p.result.error, E::kStatusLineTooLong);
}

TEST(ResponseParserTest, HeaderSizeAndCountLimitsAreExact) {
  ResponseLimits limits;
  limits.max_header_bytes = 100;
  limits.max_header_count = 3;
  // Field lines plus the final CRLF: exactly 100 bytes.
  const std::string f1 = "A: " + std::string(100 - 2 - 5, 'v') + "\r\n";
  expect_everywhere(resp(f1), kOk, E::kNone, limits);
  const std::string f2 = "A: " + std::string(100 - 2 - 4, 'v') + "\r\n";
  expect_everywhere(resp(f2), kErr, E::kHeaderTooLarge, limits);
  expect_everywhere(resp("A: 1\r\nB: 2\r\nC: 3\r\n"), kOk, E::kNone, limits);
  expect_everywhere(resp("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n"), kErr, E::kTooManyHeaders, limits);
}

TEST(ResponseParserTest, ABigHeadSplitAnywhereParsesTheSame) {
  std::string fields;
  for (int i = 0; i < 150; ++i) fields += "Set-Cookie: id" + std::to_string(i) + "=abcdef\r\n";
  expect_everywhere(resp(fields + "Content-Length: 12\r\n"), kOk, E::kNone);
}

TEST(ResponseParserTest, AParsedHeadCanBeReusedForTheNextResponse) {
  http::HeadScanState st;
  ResponseHead h;
  const std::string a = resp("A: 1\r\nB: 2\r\nContent-Length: 0\r\n");
  ASSERT_EQ(parse_response_head(a, Method::kGet, {}, st, h).status, kOk);
  st.reset();
  const std::string b = resp("", "HTTP/1.0 500 Oops");
  ASSERT_EQ(parse_response_head(b, Method::kGet, {}, st, h).status, kOk);
  EXPECT_TRUE(h.headers.empty());
  EXPECT_EQ(h.status, 500);
  EXPECT_EQ(h.body, ResponseBody::kUntilClose);
}

TEST(ResponseParserTest, EveryErrorHasAName) {
  for (int e = 0; e <= static_cast<int>(E::kUnsupportedTransferEncoding); ++e) {
    EXPECT_FALSE(to_string(static_cast<E>(e)).empty()) << e;
  }
}

}  // namespace
}  // namespace portico::proxy
