// Internal to http/: one field line (RFC 9112 5), shared by the request head and chunked trailers.
#pragma once

#include <string_view>

#include "portico/http/headers.h"
#include "portico/http/parse_error.h"

namespace portico::http::detail {

// The error a stray byte stands for: CR -> kBareCr, LF -> kBareLf, other controls ->
// kControlChar, anything else -> `otherwise`.
ParseError stray_byte_error(char c, ParseError otherwise);

// Checks the first byte of a field line before the whole line is available, so an obvious
// error is reported without waiting for the line end. It flags exactly what
// parse_field_line() would report first for any line starting with `c`; a CR is left alone
// because it may start the empty line that ends the section.
ParseError check_field_line_start(char c);

// Parses `line` (without its CRLF, never empty) as field-name ":" OWS field-value OWS into
// `out`, the value trimmed of OWS. Strict: no whitespace before the colon (RFC 9112 5.1), no
// leading whitespace (obs-fold, RFC 9112 5.2), no control characters except HTAB in the value.
ParseError parse_field_line(std::string_view line, HeaderView& out);

}  // namespace portico::http::detail
