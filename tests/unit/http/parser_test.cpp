// Tests for the request-head parser: a table of valid and malformed heads, each fed whole, split
// at every byte and one byte at a time, from a buffer that ends at a PROT_NONE page.
#include "portico/http/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/http/guarded_buffer.h"

namespace portico::http {

// Readable enum values in gtest failure messages.
void PrintTo(ParseError e, std::ostream* os) { *os << to_string(e); }
void PrintTo(ParseStatus s, std::ostream* os) {
  *os << (s == ParseStatus::kComplete   ? "complete"
          : s == ParseStatus::kNeedMore ? "need-more"
                                        : "error");
}

namespace {

using namespace std::string_literals;
using testing::GuardedBuffer;

constexpr ParseStatus kOk = ParseStatus::kComplete;
constexpr ParseStatus kMore = ParseStatus::kNeedMore;
constexpr ParseStatus kErr = ParseStatus::kError;
using E = ParseError;

// Everything a parse produced, as one comparable string.
std::string describe(ParseResult r, const RequestHead& h) {
  std::string s =
      std::to_string(static_cast<int>(r.status)) + "/" + std::string(to_string(r.error));
  if (r.status != ParseStatus::kComplete) return s;
  s += " m=" + std::string(h.method_token) + "(" + std::to_string(static_cast<int>(h.method)) +
       ") t=" + std::string(h.target) + " f=" + std::to_string(static_cast<int>(h.form)) +
       " s=" + std::string(h.scheme) + " a=" + std::string(h.authority) +
       " p=" + std::string(h.path) + " q=" + std::string(h.query) +
       " v=" + std::string(to_string(h.version)) + " host=" + std::string(h.host) +
       " body=" + std::to_string(static_cast<int>(h.body)) +
       " cl=" + std::to_string(h.content_length) + " ka=" + std::to_string(h.keep_alive) +
       " close=" + std::to_string(h.connection_close) + " ec=" + std::to_string(h.expect_continue) +
       " up=" + std::to_string(h.upgrade) + " hb=" + std::to_string(h.head_bytes) + " |";
  for (const HeaderView& f : h.headers) s += std::string(f.name) + "=" + std::string(f.value) + "|";
  return s;
}

struct Parsed {
  ParseResult result;
  std::string text;
};

Parsed parse_whole(std::string_view input, const RequestLimits& limits = {}) {
  GuardedBuffer buf(input.size() + 1);
  HeadScanState st;
  RequestHead head;
  const ParseResult r = parse_request_head(buf.place(input), limits, st, head);
  return {r, describe(r, head)};
}

// Feeds input[0, cut) and then the whole input (copied again, so the buffer "moved"), as a
// connection does when a head arrives in two reads. Stops early if the first part decides.
Parsed parse_split(std::string_view input, size_t cut, const RequestLimits& limits = {}) {
  GuardedBuffer buf(input.size() + 1);
  HeadScanState st;
  RequestHead head;
  ParseResult r = parse_request_head(buf.place(input.substr(0, cut)), limits, st, head);
  if (r.status == ParseStatus::kNeedMore) {
    r = parse_request_head(buf.place(input), limits, st, head);
  }
  return {r, describe(r, head)};
}

Parsed parse_byte_by_byte(std::string_view input, const RequestLimits& limits = {}) {
  GuardedBuffer buf(input.size() + 1);
  HeadScanState st;
  RequestHead head;
  ParseResult r;
  for (size_t n = 1; n <= input.size(); ++n) {
    r = parse_request_head(buf.place(input.substr(0, n)), limits, st, head);
    if (r.status != ParseStatus::kNeedMore) break;
  }
  return {r, describe(r, head)};
}

struct Case {
  std::string name;
  std::string input;
  ParseStatus status;
  ParseError error;
};

std::string req(std::string_view headers, std::string_view line = "GET / HTTP/1.1") {
  return std::string(line) + "\r\n" + std::string(headers) + "\r\n";
}
std::string with_host(std::string_view more) { return req("Host: a\r\n" + std::string(more)); }

std::vector<Case> table() {
  return {
      // --- complete and valid ---------------------------------------------------------------
      {"simple GET", req("Host: a\r\n"), kOk, E::kNone},
      {"HTTP/1.0 without Host", req("", "GET / HTTP/1.0"), kOk, E::kNone},
      {"leading empty lines skipped", "\r\n\r\n" + req("Host: a\r\n"), kOk, E::kNone},
      {"absolute-form", req("Host: b\r\n", "GET http://ex.com:8080/x?y=1 HTTP/1.1"), kOk, E::kNone},
      {"absolute-form without path", req("Host: b\r\n", "GET http://ex.com?q HTTP/1.1"), kOk,
       E::kNone},
      {"OPTIONS asterisk", req("Host: a\r\n", "OPTIONS * HTTP/1.1"), kOk, E::kNone},
      {"CONNECT authority-form", req("Host: ex.com:443\r\n", "CONNECT ex.com:443 HTTP/1.1"), kOk,
       E::kNone},
      {"CONNECT IPv6 literal", req("Host: x\r\n", "CONNECT [::1]:443 HTTP/1.1"), kOk, E::kNone},
      {"unknown method token", req("Host: a\r\n", "PATCH /x HTTP/1.1"), kOk, E::kNone},
      {"lowercase method is another token", req("Host: a\r\n", "get / HTTP/1.1"), kOk, E::kNone},
      {"tab and obs-text in value", with_host("X: a\tb\x80\xff\r\n"), kOk, E::kNone},
      {"empty value", with_host("X:\r\n"), kOk, E::kNone},
      {"value trimmed", with_host("X: \t v \t\r\n"), kOk, E::kNone},
      {"empty Host", req("Host:\r\n"), kOk, E::kNone},
      {"Host with port", req("Host: ex.com:80\r\n"), kOk, E::kNone},
      {"Host IPv6", req("Host: [2001:db8::1]:8080\r\n"), kOk, E::kNone},
      {"Host percent-encoded", req("Host: a%2Db\r\n"), kOk, E::kNone},
      {"Content-Length", with_host("Content-Length: 5\r\n"), kOk, E::kNone},
      {"Content-Length zero", with_host("Content-Length: 0\r\n"), kOk, E::kNone},
      {"Content-Length leading zeros", with_host("Content-Length: 007\r\n"), kOk, E::kNone},
      {"identical Content-Length list", with_host("Content-Length: 5, 5\r\n"), kOk, E::kNone},
      {"identical Content-Length fields", with_host("Content-Length: 5\r\nContent-Length: 5\r\n"),
       kOk, E::kNone},
      {"chunked", with_host("Transfer-Encoding: chunked\r\n"), kOk, E::kNone},
      {"chunked any case, OWS", with_host("Transfer-Encoding:  CHUNKED \r\n"), kOk, E::kNone},
      {"chunked with empty list elements", with_host("Transfer-Encoding: , chunked,\r\n"), kOk,
       E::kNone},
      {"Expect 100-continue", with_host("Expect: 100-Continue\r\n"), kOk, E::kNone},
      {"Expect ignored in 1.0", req("Expect: foo\r\n", "GET / HTTP/1.0"), kOk, E::kNone},
      {"pipelined second request not consumed", req("Host: a\r\n") + req("Host: b\r\n"), kOk,
       E::kNone},
      {"body bytes after head", with_host("Content-Length: 3\r\n") + "abc", kOk, E::kNone},
      {"underscore in field name", with_host("Transfer_Encoding: chunked\r\n"), kOk, E::kNone},
      // --- incomplete --------------------------------------------------------------------------
      {"empty input", "", kMore, E::kNone},
      {"only CRLF", "\r\n", kMore, E::kNone},
      {"partial method", "GE", kMore, E::kNone},
      {"no final empty line", "GET / HTTP/1.1\r\nHost: a\r\n", kMore, E::kNone},
      {"final CR without LF", "GET / HTTP/1.1\r\nHost: a\r\n\r", kMore, E::kNone},
      // --- request line ------------------------------------------------------------------------
      {"leading space", " GET / HTTP/1.1\r\n\r\n", kErr, E::kBadMethod},
      {"non-token method", "G(T / HTTP/1.1\r\n\r\n", kErr, E::kBadMethod},
      {"TLS handshake on a plain port", "\x16\x03\x01\x02\x00\x01"s, kErr, E::kBadMethod},
      {"NUL as first byte", "\0GET"s, kErr, E::kBadMethod},
      {"method then tab", "GET\t/ HTTP/1.1\r\n\r\n", kErr, E::kBadMethod},
      {"double space before target", req("Host: a\r\n", "GET  / HTTP/1.1"), kErr, E::kBadTarget},
      {"trailing space after version", req("Host: a\r\n", "GET / HTTP/1.1 "), kErr, E::kBadVersion},
      {"HTTP/0.9 request line", "GET /\r\n\r\n", kErr, E::kBadVersion},
      {"space inside target", req("Host: a\r\n", "GET /a b HTTP/1.1"), kErr, E::kBadVersion},
      {"lowercase version", req("Host: a\r\n", "GET / http/1.1"), kErr, E::kBadVersion},
      {"two-digit minor", req("Host: a\r\n", "GET / HTTP/1.10"), kErr, E::kBadVersion},
      {"version without minor", req("Host: a\r\n", "GET / HTTP/1"), kErr, E::kBadVersion},
      {"HTTP/1.2", req("Host: a\r\n", "GET / HTTP/1.2"), kErr, E::kUnsupportedVersion},
      {"HTTP/2.0", req("Host: a\r\n", "GET / HTTP/2.0"), kErr, E::kUnsupportedVersion},
      {"HTTP/0.9 version", req("", "GET / HTTP/0.9"), kErr, E::kUnsupportedVersion},
      {"control char in target", req("Host: a\r\n", "GET /\x01 HTTP/1.1"), kErr, E::kControlChar},
      {"DEL in target", req("Host: a\r\n", "GET /\x7f HTTP/1.1"), kErr, E::kControlChar},
      {"NUL in target", req("Host: a\r\n", "GET /\0 HTTP/1.1"s), kErr, E::kControlChar},
      {"raw UTF-8 in target", req("Host: a\r\n", "GET /caf\xc3\xa9 HTTP/1.1"), kErr, E::kBadTarget},
      {"fragment in target", req("Host: a\r\n", "GET /#frag HTTP/1.1"), kErr, E::kBadTarget},
      {"asterisk with GET", req("Host: a\r\n", "GET * HTTP/1.1"), kErr, E::kBadTargetForm},
      {"CONNECT with origin-form", req("Host: a\r\n", "CONNECT / HTTP/1.1"), kErr,
       E::kBadTargetForm},
      {"CONNECT without port", req("Host: a\r\n", "CONNECT ex.com HTTP/1.1"), kErr, E::kBadTarget},
      {"CONNECT empty host", req("Host: a\r\n", "CONNECT :443 HTTP/1.1"), kErr, E::kBadTarget},
      {"authority-form with GET", req("Host: a\r\n", "GET ex.com:80 HTTP/1.1"), kErr,
       E::kBadTarget},
      {"userinfo in absolute-form", req("Host: a\r\n", "GET http://u@ex.com/ HTTP/1.1"), kErr,
       E::kBadTarget},
      {"empty host in absolute-form", req("Host: a\r\n", "GET http:///x HTTP/1.1"), kErr,
       E::kBadTarget},
      {"bad port in absolute-form", req("Host: a\r\n", "GET http://a:8x/ HTTP/1.1"), kErr,
       E::kBadTarget},
      {"relative target", req("Host: a\r\n", "GET a/b HTTP/1.1"), kErr, E::kBadTarget},
      {"bare CR in request line", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", kErr, E::kBareCr},
      // --- line endings and field syntax -----------------------------------------------------
      {"bare LF everywhere", "GET / HTTP/1.1\nHost: a\n\n", kErr, E::kBareLf},
      {"bare LF after a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", kErr, E::kBareLf},
      {"bare LF as final line", "GET / HTTP/1.1\r\nHost: a\r\n\n", kErr, E::kBareLf},
      {"bare LF leading line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", kErr, E::kBareLf},
      {"bare CR in value", with_host("X: a\rb\r\n"), kErr, E::kBareCr},
      {"bare CR starting a line", with_host("\rX: a\r\n"), kErr, E::kBareCr},
      {"NUL in value", with_host("X: a\0b\r\n"s), kErr, E::kControlChar},
      {"ESC in value", with_host("X: \x1b[31m\r\n"), kErr, E::kControlChar},
      {"DEL in value", with_host("X: a\x7f\r\n"), kErr, E::kControlChar},
      {"long value with obs-text", with_host("X: " + std::string(40, '\xa0') + "\tend\r\n"), kOk,
       E::kNone},
      {"control char deep in a long value",
       with_host("X: " + std::string(37, 'v') + "\x01" + std::string(20, 'v') + "\r\n"), kErr,
       E::kControlChar},
      {"DEL deep in a long value", with_host("X: " + std::string(33, 'v') + "\x7f\r\n"), kErr,
       E::kControlChar},
      {"bare CR deep in a long value",
       with_host("X: " + std::string(50, 'v') + "\r" + std::string(20, 'v') + "\r\n"), kErr,
       E::kBareCr},
      {"NUL in name", with_host("X\0Y: a\r\n"s), kErr, E::kControlChar},
      {"obs-fold", with_host("X: a\r\n b\r\n"), kErr, E::kObsFold},
      {"obs-fold with tab", with_host("X: a\r\n\tb\r\n"), kErr, E::kObsFold},
      {"whitespace after request line", req(" Host: a\r\n"), kErr, E::kObsFold},
      {"space before colon", req("Host : a\r\n"), kErr, E::kWhitespaceBeforeColon},
      {"tab before colon", req("Host\t: a\r\n"), kErr, E::kWhitespaceBeforeColon},
      {"empty field name", with_host(": a\r\n"), kErr, E::kInvalidFieldName},
      {"non-token in name", with_host("X(Y): a\r\n"), kErr, E::kInvalidFieldName},
      {"obs-text in name", with_host("X\xc3\xa9: a\r\n"), kErr, E::kInvalidFieldName},
      {"field without colon", with_host("NoColon\r\n"), kErr, E::kMissingColon},
      // --- Host ----------------------------------------------------------------------------------
      {"HTTP/1.1 without Host", req(""), kErr, E::kMissingHost},
      {"two Host fields", req("Host: a\r\nHost: a\r\n"), kErr, E::kDuplicateHost},
      {"two Host fields in 1.0", req("Host: a\r\nHOST: b\r\n", "GET / HTTP/1.0"), kErr,
       E::kDuplicateHost},
      {"Host with space", req("Host: a b\r\n"), kErr, E::kBadHost},
      {"Host with userinfo", req("Host: u@a\r\n"), kErr, E::kBadHost},
      {"Host with path", req("Host: a/b\r\n"), kErr, E::kBadHost},
      {"Host bad port", req("Host: a:8x\r\n"), kErr, E::kBadHost},
      {"Host unclosed IPv6", req("Host: [::1\r\n"), kErr, E::kBadHost},
      {"Host bad percent-encoding", req("Host: a%zz\r\n"), kErr, E::kBadHost},
      {"absolute-form still needs Host in 1.1", req("", "GET http://a/ HTTP/1.1"), kErr,
       E::kMissingHost},
      // --- framing: smuggling vectors --------------------------------------------------------
      {"CL.TE", with_host("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), kErr,
       E::kContentLengthWithTransferEncoding},
      {"TE.CL", with_host("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), kErr,
       E::kContentLengthWithTransferEncoding},
      {"Content-Length +5", with_host("Content-Length: +5\r\n"), kErr, E::kBadContentLength},
      {"Content-Length -5", with_host("Content-Length: -5\r\n"), kErr, E::kBadContentLength},
      {"Content-Length 0x5", with_host("Content-Length: 0x5\r\n"), kErr, E::kBadContentLength},
      {"Content-Length 5 5", with_host("Content-Length: 5 5\r\n"), kErr, E::kBadContentLength},
      {"Content-Length empty", with_host("Content-Length:\r\n"), kErr, E::kBadContentLength},
      {"Content-Length 1.0", with_host("Content-Length: 1.0\r\n"), kErr, E::kBadContentLength},
      {"Content-Length empty element", with_host("Content-Length: 5,,5\r\n"), kErr,
       E::kBadContentLength},
      {"Content-Length trailing comma", with_host("Content-Length: 5,\r\n"), kErr,
       E::kBadContentLength},
      {"Content-Length 2^64", with_host("Content-Length: 18446744073709551616\r\n"), kErr,
       E::kBadContentLength},
      {"Content-Length very long", with_host("Content-Length: " + std::string(100, '9') + "\r\n"),
       kErr, E::kBadContentLength},
      {"Content-Length 2^64-1", with_host("Content-Length: 18446744073709551615\r\n"), kErr,
       E::kBodyTooLarge},
      {"differing Content-Length fields", with_host("Content-Length: 5\r\nContent-Length: 6\r\n"),
       kErr, E::kConflictingContentLength},
      {"differing Content-Length list", with_host("Content-Length: 5, 6\r\n"), kErr,
       E::kConflictingContentLength},
      {"Content-Length over the limit", with_host("Content-Length: 1048577\r\n"), kErr,
       E::kBodyTooLarge},
      {"chunked, identity", with_host("Transfer-Encoding: chunked, identity\r\n"), kErr,
       E::kChunkedNotFinal},
      {"chunked then gzip in two fields",
       with_host("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"), kErr,
       E::kChunkedNotFinal},
      {"gzip, chunked", with_host("Transfer-Encoding: gzip, chunked\r\n"), kErr,
       E::kUnsupportedTransferEncoding},
      {"gzip alone", with_host("Transfer-Encoding: gzip\r\n"), kErr,
       E::kUnsupportedTransferEncoding},
      {"identity alone", with_host("Transfer-Encoding: identity\r\n"), kErr,
       E::kUnsupportedTransferEncoding},
      {"chunked twice", with_host("Transfer-Encoding: chunked, chunked\r\n"), kErr,
       E::kBadTransferEncoding},
      {"chunked twice in two fields",
       with_host("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), kErr,
       E::kBadTransferEncoding},
      {"empty Transfer-Encoding", with_host("Transfer-Encoding: \r\n"), kErr,
       E::kBadTransferEncoding},
      {"chunked with parameter", with_host("Transfer-Encoding: chunked;q=1\r\n"), kErr,
       E::kBadTransferEncoding},
      {"quoted chunked", with_host("Transfer-Encoding: \"chunked\"\r\n"), kErr,
       E::kBadTransferEncoding},
      {"Transfer-Encoding in HTTP/1.0", req("Transfer-Encoding: chunked\r\n", "POST / HTTP/1.0"),
       kErr, E::kTransferEncodingInHttp10},
      {"Transfer-Encoding space colon", with_host("Transfer-Encoding : chunked\r\n"), kErr,
       E::kWhitespaceBeforeColon},
      {"folded Transfer-Encoding", with_host("X: a\r\n Transfer-Encoding: chunked\r\n"), kErr,
       E::kObsFold},
      {"folded chunked value", with_host("Transfer-Encoding:\r\n chunked\r\n"), kErr, E::kObsFold},
      {"vertical tab before chunked",
       with_host("Transfer-Encoding: \x0b"
                 "chunked\r\n"),
       kErr, E::kControlChar},
      {"form feed after chunked", with_host("Transfer-Encoding: chunked\x0c\r\n"), kErr,
       E::kControlChar},
      {"Content-Length with bare CR", with_host("Content-Length: 5\r6\r\n"), kErr, E::kBareCr},
      // --- Expect --------------------------------------------------------------------------------
      {"unknown expectation", with_host("Expect: 200-ok\r\n"), kErr, E::kUnsupportedExpectation},
  };
}

TEST(RequestParser, TableCasesGiveTheSameResultWholeSplitAndByteByByte) {
  for (const Case& c : table()) {
    SCOPED_TRACE(c.name);
    const Parsed whole = parse_whole(c.input);
    EXPECT_EQ(whole.result.status, c.status) << whole.text;
    EXPECT_EQ(whole.result.error, c.error) << to_string(whole.result.error);
    for (size_t cut = 0; cut <= c.input.size(); ++cut) {
      EXPECT_EQ(parse_split(c.input, cut).text, whole.text) << "cut at " << cut;
    }
    EXPECT_EQ(parse_byte_by_byte(c.input).text, whole.text);
  }
}

// --- limits, with inputs too long for the table ---------------------------------------------

// Split points for long inputs: every byte near the ends and a stride in between.
std::vector<size_t> cuts_of(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 0; i <= n; ++i) {
    if (i < 64 || n - i < 64 || i % 97 == 0) cuts.push_back(i);
  }
  return cuts;
}

void expect_everywhere(const std::string& input, ParseStatus status, ParseError error,
                       const RequestLimits& limits = {}) {
  const Parsed whole = parse_whole(input, limits);
  EXPECT_EQ(whole.result.status, status) << whole.text;
  EXPECT_EQ(whole.result.error, error) << to_string(whole.result.error);
  for (size_t cut : cuts_of(input.size())) {
    EXPECT_EQ(parse_split(input, cut, limits).text, whole.text) << "cut at " << cut;
  }
  EXPECT_EQ(parse_byte_by_byte(input, limits).text, whole.text);
}

std::string request_line_of(size_t bytes) {
  const std::string head = "GET /";
  const std::string tail = " HTTP/1.1";
  return head + std::string(bytes - head.size() - tail.size(), 'a') + tail;
}

TEST(RequestParser, AcceptsRequestLineAtTheLimit) {
  expect_everywhere(req("Host: a\r\n", request_line_of(8192)), kOk, E::kNone);
}

TEST(RequestParser, RejectsRequestLineOverTheLimitWith414) {
  expect_everywhere(req("Host: a\r\n", request_line_of(8193)), kErr, E::kRequestLineTooLong);
  EXPECT_EQ(to_status(E::kRequestLineTooLong), Status::kUriTooLong);
}

TEST(RequestParser, RejectsLongRequestLineBeforeItsEndArrives) {
  const std::string partial = "GET /" + std::string(9000, 'a');
  const Parsed p = parse_whole(partial);
  EXPECT_EQ(p.result.error, E::kRequestLineTooLong);
}

TEST(RequestParser, RejectsHeaderSectionOverTheLimitWith431) {
  RequestLimits limits;
  limits.max_header_bytes = 1000;
  // "Host: a\r\n" (9) + "X: ...\r\n" + "\r\n": exactly 1000 bytes is allowed.
  const std::string at_limit = req("Host: a\r\nX: " + std::string(1000 - 9 - 2 - 5, 'v') + "\r\n");
  expect_everywhere(at_limit, kOk, E::kNone, limits);
  const std::string over = req("Host: a\r\nX: " + std::string(1000 - 9 - 2 - 4, 'v') + "\r\n");
  expect_everywhere(over, kErr, E::kHeaderTooLarge, limits);
  EXPECT_EQ(to_status(E::kHeaderTooLarge), Status::kRequestHeaderFieldsTooLarge);
}

TEST(RequestParser, RejectsHugeHeaderBeforeItsEndArrives) {
  const std::string partial = "GET / HTTP/1.1\r\nX: " + std::string(40 * 1024, 'v');
  EXPECT_EQ(parse_whole(partial).result.error, E::kHeaderTooLarge);
}

TEST(RequestParser, RejectsMoreThanMaxHeaderCountWith431) {
  std::string fields = "Host: a\r\n";
  for (int i = 1; i < 100; ++i) fields += "X" + std::to_string(i) + ": v\r\n";
  expect_everywhere(req(fields), kOk, E::kNone);
  expect_everywhere(req(fields + "Y: v\r\n"), kErr, E::kTooManyHeaders);
}

TEST(RequestParser, BoundsEmptyLinesBeforeTheRequestLine) {
  std::string eight;
  for (int i = 0; i < 8; ++i) eight += "\r\n";
  expect_everywhere(eight + req("Host: a\r\n"), kOk, E::kNone);
  expect_everywhere(eight + "\r\n" + req("Host: a\r\n"), kErr, E::kTooManyEmptyLines);
}

TEST(RequestParser, ParsesLargeHeadOneByteAtATime) {
  // 30 KiB of fields fed a byte at a time: linear work, same answer as one read.
  std::string fields = "Host: a\r\n";
  for (int i = 0; i < 90; ++i)
    fields += "X-" + std::to_string(i) + ": " + std::string(320, 'v') + "\r\n";
  expect_everywhere(req(fields), kOk, E::kNone);
}

// --- what a complete parse yields -----------------------------------------------------------

struct Head {
  ParseResult result;
  RequestHead head;
  std::string storage;  // the views point here
};

void parse_into(Head& h, std::string input) {
  h.storage = std::move(input);
  HeadScanState st;
  h.result = parse_request_head(h.storage, RequestLimits{}, st, h.head);
}

TEST(RequestParser, ParsesTypicalBrowserRequest) {
  Head h;
  parse_into(h,
             "GET /search?q=portico&lang=en HTTP/1.1\r\n"
             "Host: www.example.com\r\n"
             "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
             "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
             "Accept-Encoding: gzip, deflate, br\r\n"
             "Cookie: a=1; b=2\r\n"
             "\r\n");
  ASSERT_EQ(h.result.status, kOk) << to_string(h.result.error);
  const RequestHead& r = h.head;
  EXPECT_EQ(r.method, Method::kGet);
  EXPECT_EQ(r.method_token, "GET");
  EXPECT_EQ(r.target, "/search?q=portico&lang=en");
  EXPECT_EQ(r.form, TargetForm::kOrigin);
  EXPECT_EQ(r.path, "/search");
  EXPECT_EQ(r.query, "q=portico&lang=en");
  EXPECT_EQ(r.version, Version::kHttp11);
  EXPECT_EQ(r.host, "www.example.com");
  ASSERT_EQ(r.headers.size(), 5u);
  EXPECT_EQ(r.headers[1].name, "User-Agent");
  EXPECT_EQ(r.headers[1].value, "Mozilla/5.0 (X11; Linux x86_64)");
  EXPECT_EQ(r.header("accept-encoding"), "gzip, deflate, br");
  EXPECT_EQ(r.find("COOKIE"), &r.headers[4]);
  EXPECT_EQ(r.find("Referer"), nullptr);
  EXPECT_EQ(r.header("Referer"), "");
  EXPECT_EQ(r.body, BodyKind::kNone);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_FALSE(r.expect_continue);
  EXPECT_EQ(r.head_bytes, h.storage.size());
}

TEST(RequestParser, StopsAtTheEndOfTheHeadLeavingBodyAndPipelinedRequests) {
  const std::string first = req("Host: a\r\nContent-Length: 3\r\n", "POST /a HTTP/1.1");
  Head h;
  parse_into(h, "\r\n" + first + "abc" + req("Host: a\r\n", "GET /b HTTP/1.1"));
  ASSERT_EQ(h.result.status, kOk);
  EXPECT_EQ(h.head.head_bytes, 2 + first.size());
  EXPECT_EQ(h.head.body, BodyKind::kContentLength);
  EXPECT_EQ(h.head.content_length, 3u);
  EXPECT_EQ(h.head.path, "/a");
}

TEST(RequestParser, ReportsChunkedBody) {
  Head h;
  parse_into(h, with_host("Transfer-Encoding: chunked\r\n"));
  ASSERT_EQ(h.result.status, kOk);
  EXPECT_EQ(h.head.body, BodyKind::kChunked);
}

TEST(RequestParser, TreatsContentLengthZeroAsNoBody) {
  Head h;
  parse_into(h, with_host("Content-Length: 0\r\n"));
  ASSERT_EQ(h.result.status, kOk);
  EXPECT_EQ(h.head.body, BodyKind::kNone);
}

TEST(RequestParser, DecidesKeepAlivePerVersionAndConnectionTokens) {
  struct {
    const char* version;
    const char* connection;
    bool keep_alive;
    bool close;
  } cases[] = {
      {"HTTP/1.1", nullptr, true, false},
      {"HTTP/1.1", "close", false, true},
      {"HTTP/1.1", "Keep-Alive, CLOSE", false, true},
      {"HTTP/1.1", "keep-alive", true, false},
      {"HTTP/1.0", nullptr, false, false},
      {"HTTP/1.0", "keep-alive", true, false},
      {"HTTP/1.0", " Keep-Alive ,foo", true, false},
      {"HTTP/1.0", "keep-alive, close", false, true},
  };
  for (const auto& c : cases) {
    std::string fields = "Host: a\r\n";
    if (c.connection != nullptr) fields += std::string("Connection: ") + c.connection + "\r\n";
    Head h;
    parse_into(h, req(fields, std::string("GET / ") + c.version));
    SCOPED_TRACE(fields);
    ASSERT_EQ(h.result.status, kOk);
    EXPECT_EQ(h.head.keep_alive, c.keep_alive) << c.version;
    EXPECT_EQ(h.head.connection_close, c.close) << c.version;
  }
}

TEST(RequestParser, TakesHostFromAbsoluteFormAuthority) {
  Head h;
  parse_into(h, req("Host: ignored.example\r\n", "GET HTTP://Ex.com:8080?x=1 HTTP/1.1"));
  ASSERT_EQ(h.result.status, kOk);
  EXPECT_EQ(h.head.form, TargetForm::kAbsolute);
  EXPECT_EQ(h.head.scheme, "HTTP");
  EXPECT_EQ(h.head.authority, "Ex.com:8080");
  EXPECT_EQ(h.head.host, "Ex.com:8080");
  EXPECT_EQ(h.head.path, "/");
  EXPECT_EQ(h.head.query, "x=1");
}

TEST(RequestParser, ParsesAsteriskAndAuthorityForms) {
  Head options;
  parse_into(options, req("Host: a\r\n", "OPTIONS * HTTP/1.1"));
  ASSERT_EQ(options.result.status, kOk);
  EXPECT_EQ(options.head.form, TargetForm::kAsterisk);
  EXPECT_EQ(options.head.method, Method::kOptions);
  EXPECT_EQ(options.head.path, "*");
  Head connect;
  parse_into(connect, req("Host: ex.com:443\r\n", "CONNECT ex.com:443 HTTP/1.1"));
  ASSERT_EQ(connect.result.status, kOk);
  EXPECT_EQ(connect.head.form, TargetForm::kAuthority);
  EXPECT_EQ(connect.head.method, Method::kConnect);
  EXPECT_EQ(connect.head.authority, "ex.com:443");
  EXPECT_EQ(connect.head.host, "ex.com:443");
  EXPECT_EQ(connect.head.path, "");
}

TEST(RequestParser, ParsesUnknownAndLowercaseMethodsAsOther) {
  Head patch;
  parse_into(patch, req("Host: a\r\n", "PATCH / HTTP/1.1"));
  ASSERT_EQ(patch.result.status, kOk);
  EXPECT_EQ(patch.head.method, Method::kOther);
  EXPECT_EQ(patch.head.method_token, "PATCH");
  Head lower;
  parse_into(lower, req("Host: a\r\n", "get / HTTP/1.1"));
  ASSERT_EQ(lower.result.status, kOk);
  EXPECT_EQ(lower.head.method, Method::kOther);
}

TEST(RequestParser, ReportsExpectContinueOnlyForHttp11) {
  Head h11;
  parse_into(h11, with_host("Expect: 100-continue\r\nContent-Length: 10\r\n"));
  ASSERT_EQ(h11.result.status, kOk);
  EXPECT_TRUE(h11.head.expect_continue);
  Head h10;
  parse_into(h10, req("Expect: 100-continue\r\n", "POST / HTTP/1.0"));
  ASSERT_EQ(h10.result.status, kOk);
  EXPECT_FALSE(h10.head.expect_continue);
}

TEST(RequestParser, ReportsUpgradeOnlyWithConnectionUpgradeOnHttp11) {
  Head yes;
  parse_into(yes, with_host("Connection: Upgrade\r\nUpgrade: websocket\r\n"));
  ASSERT_EQ(yes.result.status, kOk);
  EXPECT_TRUE(yes.head.upgrade);
  Head no_token;
  parse_into(no_token, with_host("Upgrade: websocket\r\n"));
  EXPECT_FALSE(no_token.head.upgrade);
  Head http10;
  parse_into(http10, req("Connection: upgrade\r\nUpgrade: websocket\r\n", "GET / HTTP/1.0"));
  EXPECT_FALSE(http10.head.upgrade);
}

TEST(RequestParser, ReusesHeadAfterClear) {
  GuardedBuffer buf(256);
  RequestHead head;
  HeadScanState st;
  ASSERT_EQ(parse_request_head(buf.place(with_host("A: 1\r\nB: 2\r\nConnection: close\r\n")), {},
                               st, head)
                .status,
            kOk);
  EXPECT_FALSE(head.keep_alive);
  st.reset();
  ASSERT_EQ(parse_request_head(buf.place(with_host("")), {}, st, head).status, kOk);
  EXPECT_EQ(head.headers.size(), 1u);
  EXPECT_TRUE(head.keep_alive);
}

TEST(RequestParser, StartsOverWhenGivenShorterInputThanBefore) {
  GuardedBuffer buf(256);
  RequestHead head;
  HeadScanState st;
  EXPECT_EQ(parse_request_head(buf.place("GET / HTTP/1.1\r\nHost: a\r\n"), {}, st, head).status,
            kMore);
  EXPECT_EQ(parse_request_head(buf.place(with_host("")), {}, st, head).status, kOk);
}

// --- the error table --------------------------------------------------------------------------

TEST(ParseErrorTable, MapsEachErrorToItsStatus) {
  EXPECT_EQ(to_status(E::kBadMethod), Status::kBadRequest);
  EXPECT_EQ(to_status(E::kBareCr), Status::kBadRequest);
  EXPECT_EQ(to_status(E::kMissingHost), Status::kBadRequest);
  EXPECT_EQ(to_status(E::kContentLengthWithTransferEncoding), Status::kBadRequest);
  EXPECT_EQ(to_status(E::kChunkedNotFinal), Status::kBadRequest);
  EXPECT_EQ(to_status(E::kUnsupportedTransferEncoding), Status::kNotImplemented);
  EXPECT_EQ(to_status(E::kUnsupportedVersion), Status::kHttpVersionNotSupported);
  EXPECT_EQ(to_status(E::kRequestLineTooLong), Status::kUriTooLong);
  EXPECT_EQ(to_status(E::kTooManyHeaders), Status::kRequestHeaderFieldsTooLarge);
  EXPECT_EQ(to_status(E::kTrailerTooLarge), Status::kRequestHeaderFieldsTooLarge);
  EXPECT_EQ(to_status(E::kBodyTooLarge), Status::kContentTooLarge);
  EXPECT_EQ(to_status(E::kUnsupportedExpectation), Status::kExpectationFailed);
  EXPECT_EQ(to_status(E::kChunkSizeOverflow), Status::kBadRequest);
}

TEST(ParseErrorTable, ClosesAfterEveryErrorButARefusedExpectation) {
  for (int i = 1; i <= static_cast<int>(E::kTooManyTrailers); ++i) {
    const auto e = static_cast<E>(i);
    SCOPED_TRACE(to_string(e));
    EXPECT_EQ(must_close(e), e != E::kUnsupportedExpectation);
    EXPECT_GE(code(to_status(e)), 400);
    EXPECT_NE(to_string(e), "unknown parse error");
  }
}

}  // namespace
}  // namespace portico::http
