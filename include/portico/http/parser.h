// Public: incremental, zero-copy parser of an HTTP/1.1 request head (RFC 9112 2-6, 9). Include
// only <portico/...> and std.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "portico/http/headers.h"
#include "portico/http/method.h"
#include "portico/http/parse_error.h"
#include "portico/http/request_limits.h"
#include "portico/http/version.h"

namespace portico::http {

// The four request-target forms of RFC 9112 3.2.
enum class TargetForm : uint8_t {
  kOrigin,     // "/path?query"                       (every method but CONNECT)
  kAbsolute,   // "http://host:port/path?query"       (proxies; servers must accept it)
  kAuthority,  // "host:port"                         (CONNECT only)
  kAsterisk,   // "*"                                 (OPTIONS only)
};

// How the body that follows the head is delimited (RFC 9112 6.3).
enum class BodyKind : uint8_t {
  kNone,           // no body: neither Content-Length nor Transfer-Encoding
  kContentLength,  // exactly content_length bytes
  kChunked,        // chunked transfer coding; decode with ChunkedDecoder (chunked.h)
};

// A parsed request head. Every string_view points into the buffer given to
// parse_request_head() and is valid until those bytes are consumed or the buffer changes.
// Reuse one RequestHead per connection: clear() keeps the header vector's capacity.
struct RequestHead {
  Method method = Method::kOther;  // kOther: a valid token we do not implement -> 501
  std::string_view method_token;   // exactly as sent, e.g. "PATCH"
  std::string_view target;         // request-target exactly as sent
  TargetForm form = TargetForm::kOrigin;
  std::string_view scheme;     // absolute-form only, as sent ("http", "HTTPS", ...)
  std::string_view authority;  // absolute-form and authority-form: "host[:port]"
  std::string_view path;       // origin/absolute-form, still percent-encoded ("/" when an
                               // absolute-form has none); "*" for asterisk; empty for CONNECT
  std::string_view query;      // after the first '?', without it; empty when there is none
  Version version = Version::kHttp11;
  std::vector<HeaderView> headers;  // every field line, in order, names as sent

  // The host the request is for: the absolute-form authority (which wins over Host, RFC 9112
  // 3.2.2), the authority-form target, or else the Host value. Includes any ":port".
  std::string_view host;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;  // valid when body == kContentLength
  // Persistence per RFC 9112 9.3: HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive".
  bool keep_alive = true;
  bool connection_close = false;  // the Connection field lists "close"
  bool expect_continue = false;   // "Expect: 100-continue" on HTTP/1.1 (ignored on 1.0)
  bool upgrade = false;           // HTTP/1.1 with an Upgrade field and Connection: upgrade
  size_t head_bytes = 0;          // bytes of the head including leading empty lines; the body
                                  // (if any) starts right after

  // The first field with this name (case-insensitive), or nullptr.
  const HeaderView* find(std::string_view name) const;
  // The value of the first field with this name, or empty.
  std::string_view header(std::string_view name) const;
  // Resets every member for the next request (the header vector keeps its capacity).
  void clear();
};

// Progress of an incomplete head between calls, as offsets from the start of the input, so
// the caller's buffer may move or grow between calls. Reset it (reset() or `= {}`) whenever the
// bytes at the front of the buffer change, i.e. after consuming a request.
struct HeadScanState {
  size_t scanned = 0;        // bytes already examined; the next call starts looking here
  size_t line_start = 0;     // start of the first line not yet validated
  size_t fields_start = 0;   // start of the header section; 0 until the request line is done
  uint32_t field_count = 0;  // field lines validated so far
  uint32_t empty_lines = 0;  // empty lines skipped before the request line
  void reset() { *this = HeadScanState{}; }
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  ParseError error = ParseError::kNone;  // set when status == kError
};

// Parses the request head at the start of `in`, which holds the bytes received so far (the
// whole unconsumed buffer, not only the new bytes). Returns kComplete with `out` filled and
// out.head_bytes set; kNeedMore when the head is not complete yet (nothing in `out` is
// meaningful then); or kError. A call after kNeedMore examines only the new bytes until the head
// is complete, so a client sending one byte at a time costs O(n) in total. No allocation except
// growth of out.headers. Any split of the same bytes gives the same result.
[[nodiscard]] ParseResult parse_request_head(std::string_view in, const RequestLimits& limits,
                                             HeadScanState& state, RequestHead& out);

}  // namespace portico::http
