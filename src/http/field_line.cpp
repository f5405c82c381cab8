// One field line: name, colon, value (RFC 9112 5; RFC 9110 5.5).
#include "http/field_line.h"

#include "http/char_class.h"

namespace portico::http::detail {

ParseError stray_byte_error(char c, ParseError otherwise) {
  if (c == '\r') return ParseError::kBareCr;
  if (c == '\n') return ParseError::kBareLf;
  if (is_ctl(c)) return ParseError::kControlChar;
  return otherwise;
}

ParseError check_field_line_start(char c) {
  if (is_token_char(c) || c == '\r') return ParseError::kNone;
  // RFC 9112 5.2: a line starting with whitespace is obs-fold (or, right after the request
  // line, whitespace RFC 9112 2.2 lets us reject); both are refused.
  if (is_ows(c)) return ParseError::kObsFold;
  return stray_byte_error(c, ParseError::kInvalidFieldName);
}

ParseError parse_field_line(std::string_view line, HeaderView& out) {
  const char* p = line.data();
  const char* const end = p + line.size();
  while (p != end && is_token_char(*p)) ++p;
  if (p == line.data()) {
    // Same verdict as check_field_line_start(); the CR it lets pass is a bare CR here, since
    // `line` excludes the CR of its CRLF.
    const ParseError e = check_field_line_start(*p);
    return e != ParseError::kNone ? e : ParseError::kBareCr;
  }
  if (p == end) return ParseError::kMissingColon;
  if (*p != ':') {
    // RFC 9112 5.1: no whitespace is allowed between the field name and colon; a server MUST
    // reject such a message with 400, since proxies disagree on what the name is.
    if (is_ows(*p)) return ParseError::kWhitespaceBeforeColon;
    return stray_byte_error(*p, ParseError::kInvalidFieldName);
  }
  out.name = std::string_view(line.data(), static_cast<size_t>(p - line.data()));
  ++p;
  while (p != end && is_ows(*p)) ++p;
  const char* const value = p;
  // Four bytes per step while every byte is a field-vchar, SP or HTAB (the common case).
  while (end - p >= 4 && is_value_char(p[0]) && is_value_char(p[1]) && is_value_char(p[2]) &&
         is_value_char(p[3])) {
    p += 4;
  }
  while (p != end && is_value_char(*p)) ++p;
  if (p != end) return stray_byte_error(*p, ParseError::kControlChar);
  const char* last = end;
  while (last != value && is_ows(last[-1])) --last;
  out.value = std::string_view(value, static_cast<size_t>(last - value));
  return ParseError::kNone;
}

}  // namespace portico::http::detail
