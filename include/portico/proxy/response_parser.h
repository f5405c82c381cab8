// Public: incremental, zero-copy parser of HTTP/1.1 response heads received from upstreams
// (RFC 9112 4-6), strict about framing so a response cannot be smuggled past the proxy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "portico/http/headers.h"
#include "portico/http/method.h"
#include "portico/http/parse_error.h"
#include "portico/http/parser.h"
#include "portico/http/version.h"

namespace portico::proxy {

// Every reason an upstream's response head is refused. The proxy answers each with 502 Bad
// Gateway and closes the upstream connection (RFC 9112 6.3: the framing is in doubt).
enum class ResponseError : uint8_t {
  kNone,
  // Status line (RFC 9112 4).
  kBadVersion,         // not "HTTP/1." DIGIT at the start of the status line
  kBadStatusCode,      // not three digits followed by SP or the line end, or outside 100..599
  kBadReasonPhrase,    // a byte a reason-phrase cannot hold
  kStatusLineTooLong,  // over ResponseLimits::max_status_line_bytes
  kTooManyEmptyLines,  // more empty lines before the status line than allowed
  // Line syntax (RFC 9112 2.2, 5).
  kBareLf,
  kBareCr,
  kControlChar,
  kObsFold,
  kWhitespaceBeforeColon,
  kInvalidFieldName,
  kMissingColon,
  kHeaderTooLarge,  // over ResponseLimits::max_header_bytes
  kTooManyHeaders,  // over ResponseLimits::max_header_count
  // Framing (RFC 9112 6).
  kContentLengthWithTransferEncoding,  // both: a smuggling attempt or a broken upstream
  kBadContentLength,                   // not 1*DIGIT, or too big
  kConflictingContentLength,           // several values that differ
  kTransferEncodingInHttp10,           // RFC 9112 6.1: faulty framing
  kBadTransferEncoding,                // malformed list, or chunked applied twice
  kUnsupportedTransferEncoding,        // a coding other than chunked, which the proxy cannot
                                       // decode to re-frame (this includes chunked not last)
};

std::string_view to_string(ResponseError e);

// How the body after a response head is delimited (RFC 9112 6.3).
enum class ResponseBody : uint8_t {
  kNone,           // no body: 1xx, 204, 304, a response to HEAD
  kContentLength,  // exactly content_length bytes (possibly 0)
  kChunked,        // chunked transfer coding: decode with http::ChunkedDecoder
  kUntilClose,     // every byte until the upstream closes; the connection cannot be reused
  kTunnel,         // 101 Switching Protocols, or 2xx to CONNECT: raw bytes both ways follow
};

// Limits on a response head. Upstreams are trusted more than clients but still bounded: a broken
// or hostile backend must not make the proxy buffer without end.
struct ResponseLimits {
  // Status line without its CRLF. Longer -> kStatusLineTooLong.
  uint32_t max_status_line_bytes = 8 * 1024;
  // Field lines with their CRLFs plus the final empty line. Larger -> kHeaderTooLarge.
  uint32_t max_header_bytes = 64 * 1024;
  // Field lines (responses carry more Set-Cookie lines than requests carry anything).
  uint32_t max_header_count = 200;
  // Empty lines (CRLF) skipped before the status line, such as a stray CRLF some servers send
  // after a body.
  uint32_t max_leading_empty_lines = 4;
};

// A parsed response head. Every string_view points into the buffer given to
// parse_response_head() and is valid until those bytes are consumed or the buffer changes.
struct ResponseHead {
  http::Version version = http::Version::kHttp11;  // HTTP/1.x with x >= 1 is read as 1.1
  uint16_t status = 0;                             // 100..599
  std::string_view reason;                         // may be empty
  std::vector<http::HeaderView> headers;           // every field line, in order, names as sent
  ResponseBody body = ResponseBody::kNone;
  uint64_t content_length = 0;  // valid when body == kContentLength
  // The upstream connection may carry another request after this response's body (RFC 9112
  // 9.3): HTTP/1.1 without "close", HTTP/1.0 only with "keep-alive", and never after a
  // close-delimited body or a tunnel.
  bool keep_alive = true;
  bool connection_close = false;  // the Connection field lists "close"
  size_t head_bytes = 0;          // bytes of the head, leading empty lines included

  // An interim response (1xx other than 101): the final response follows on the same
  // connection; consume head_bytes and parse again.
  bool interim() const { return status >= 100 && status < 200 && status != 101; }
  const http::HeaderView* find(std::string_view name) const;
  std::string_view header(std::string_view name) const;
  void clear();
};

struct ResponseParseResult {
  http::ParseStatus status = http::ParseStatus::kNeedMore;
  ResponseError error = ResponseError::kNone;  // set when status == kError
};

// Parses the response head at the start of `in` (every unconsumed byte received so far) for a
// request made with `request_method` (HEAD responses have no body; 2xx to CONNECT is a tunnel).
// kComplete fills `out`; kNeedMore asks for more bytes (nothing in `out` is meaningful yet);
// kError says why. Like parse_request_head(), a call after kNeedMore examines only new bytes,
// any split of the same bytes gives the same result, and nothing is allocated except growth
// of out.headers. Reset `state` after consuming a head.
[[nodiscard]] ResponseParseResult parse_response_head(std::string_view in,
                                                      http::Method request_method,
                                                      const ResponseLimits& limits,
                                                      http::HeadScanState& state,
                                                      ResponseHead& out);

}  // namespace portico::proxy
