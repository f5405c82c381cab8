// Public: why a request could not be parsed, and the one table mapping each reason to its HTTP
// answer. Include only <portico/...> and std.
#pragma once

#include <cstdint>
#include <string_view>

#include "portico/http/status.h"

namespace portico::http {

// Outcome of one parser call.
enum class ParseStatus : uint8_t {
  kComplete,  // the element (request head, chunked body) is finished
  kNeedMore,  // everything given was valid so far; call again with more bytes
  kError,     // the input is invalid; see ParseError
};

// Every distinct cause of a rejected request. The parsers only report; to_status() and
// must_close() below are the single place that decides the response.
enum class ParseError : uint8_t {
  kNone,
  // Request line (RFC 9112 3).
  kBadMethod,           // empty or not a token, or not followed by exactly one SP
  kBadTarget,           // not visible ASCII, '#', userinfo, empty http host, no known form
  kBadTargetForm,       // '*' without OPTIONS, CONNECT without authority-form, or vice versa
  kBadVersion,          // not exactly "HTTP/" DIGIT "." DIGIT at the end of the line
  kUnsupportedVersion,  // well-formed, but not HTTP/1.0 or HTTP/1.1 -> 505
  kRequestLineTooLong,  // -> 414
  kTooManyEmptyLines,   // more empty lines before the request line than allowed
  // Line syntax anywhere in the head or trailers (RFC 9112 2.2, 5).
  kBareLf,                 // LF not preceded by CR (strict: RFC 9112 2.2 lets us refuse it)
  kBareCr,                 // CR not followed by LF
  kControlChar,            // NUL, DEL or another control character (HTAB allowed in values)
  kObsFold,                // a line starting with SP or HTAB (RFC 9112 5.2)
  kWhitespaceBeforeColon,  // "Name : value" (RFC 9112 5.1)
  kInvalidFieldName,       // empty or non-token field name
  kMissingColon,           // a field line without ':'
  kHeaderTooLarge,         // header section over max_header_bytes -> 431
  kTooManyHeaders,         // more than max_header_count fields -> 431
  // Header semantics (RFC 9110 7.2, 10.1.1; RFC 9112 3.2, 6).
  kMissingHost,                        // HTTP/1.1 without Host
  kDuplicateHost,                      // more than one Host field line
  kBadHost,                            // Host value is not uri-host [ ":" port ]
  kContentLengthWithTransferEncoding,  // both framing fields: smuggling risk
  kBadContentLength,                   // not 1*DIGIT, or too big for 64 bits
  kConflictingContentLength,           // several Content-Length values that differ
  kTransferEncodingInHttp10,           // RFC 9112 6.1: faulty framing in 1.0
  kBadTransferEncoding,                // empty or malformed coding list, or chunked applied twice
  kChunkedNotFinal,                    // chunked present but not the last coding (RFC 9112 6.3)
  kUnsupportedTransferEncoding,        // a coding other than chunked -> 501
  kUnsupportedExpectation,             // Expect other than 100-continue -> 417
  kBodyTooLarge,                       // Content-Length or chunk sum over max_body_bytes -> 413
  // Chunked body (RFC 9112 7.1).
  kBadChunkSize,       // not 1*HEXDIG (no sign, no 0x, no spaces before it)
  kChunkSizeOverflow,  // more than 64 bits
  kChunkLineTooLong,   // chunk-size line over max_chunk_line_bytes
  kBadChunkExtension,  // control character or stray text after the size
  kMissingChunkCrlf,   // chunk data not followed by CRLF
  kTrailerTooLarge,    // trailer section over max_trailer_bytes -> 431
  kTooManyTrailers,    // more than max_header_count trailer fields -> 431
};

// The response status for a parse error (400, 413, 414, 417, 431, 501, 505).
Status to_status(ParseError e);

// True when the connection must close after the error response: the framing of what follows
// is in doubt, so no further request can be read safely (RFC 9112 6.3, 11.2).
bool must_close(ParseError e);

// A short lowercase description for logs, e.g. "bare CR in request head".
std::string_view to_string(ParseError e);

}  // namespace portico::http
