// Public: every limit on an incoming HTTP/1.1 request, with its unit, default and the answer it
// triggers. Include only <portico/...> and std.
#pragma once

#include <cstdint>

namespace portico::http {

// One table of limits. The parser (parser.h, chunked.h) enforces the size limits; the HTTP
// connection enforces the timeouts and the per-connection request count. Defaults are safe for
// a public server; a config loader validates overrides once, at start-up.
struct RequestLimits {
  // --- enforced by the parsers --------------------------------------------------------------

  // Request line, method through version, without its CRLF. Longer -> 414 URI Too Long.
  uint32_t max_request_line_bytes = 8 * 1024;
  // Header section: every field line with its CRLF plus the final empty line (the request line
  // is not counted). Larger -> 431 Request Header Fields Too Large.
  uint32_t max_header_bytes = 32 * 1024;
  // Field lines in the header section. More -> 431. Also bounds the trailer field count.
  uint32_t max_header_count = 100;
  // Empty lines (CRLF) accepted before the request line, RFC 9112 2.2 ("SHOULD ignore at least
  // one"). More -> 400.
  uint32_t max_leading_empty_lines = 8;
  // Decoded body (Content-Length value, or the sum of chunk sizes). Larger -> 413 Content Too
  // Large; a Content-Length over the limit is refused before any body byte is read.
  uint64_t max_body_bytes = uint64_t{1024} * 1024;
  // The body of a request an asynchronous handler streams (a proxied upload): it never sits in
  // memory whole, so it may be larger than max_body_bytes. Larger -> 413. Default: no limit.
  uint64_t max_streamed_body_bytes = UINT64_MAX;
  // One chunk-size line: hex size, whitespace and chunk extensions (which are skipped), without
  // its CRLF. Longer -> 400.
  uint32_t max_chunk_line_bytes = 4 * 1024;
  // Trailer section of a chunked body, counted like max_header_bytes. Larger -> 431.
  uint32_t max_trailer_bytes = 8 * 1024;

  // --- enforced by the connection -----------------------------------------------------------

  // From the first byte of a request to the end of its header section. Exceeded -> 408 and close.
  uint32_t header_timeout_ms = 10'000;
  // Longest gap between two reads of body bytes. Exceeded -> 408 and close.
  uint32_t body_idle_timeout_ms = 30'000;
  // Idle time between requests on a persistent connection. Exceeded -> close, no response.
  uint32_t keepalive_timeout_ms = 60'000;
  // Requests answered on one connection; the last response carries "Connection: close".
  uint32_t max_requests_per_connection = 1'000;

  // The most bytes a request head can occupy in the read buffer before the parser decides: the
  // connection may stop reading (and answer 431) beyond it.
  constexpr uint64_t max_head_bytes() const {
    return uint64_t{max_leading_empty_lines} * 2 + uint64_t{max_request_line_bytes} + 2 +
           uint64_t{max_header_bytes};
  }
};

}  // namespace portico::http
