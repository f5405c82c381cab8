// One field line: name, colon, value (RFC 9112 5; RFC 9110 5.5).
#include "http/field_line.h"

#include "http/char_class.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace portico::http::detail {

namespace {

#if defined(__SSE2__)
// Skips whole 16-byte blocks of field-value bytes (anything but controls other than HTAB, and
// DEL), stopping at the block holding the first other byte. Never reads past `end`.
const char* skip_value_chars_16(const char* p, const char* end) {
  const __m128i max_ctl = _mm_set1_epi8(0x1f);
  const __m128i del = _mm_set1_epi8(0x7f);
  const __m128i tab = _mm_set1_epi8('\t');
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, max_ctl), x);  // x <= 0x1f, unsigned
    const __m128i bad =
        _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, tab), ctl), _mm_cmpeq_epi8(x, del));
    if (_mm_movemask_epi8(bad) != 0) break;
    p += 16;
  }
  return p;
}
#else
const char* skip_value_chars_16(const char* p, const char*) { return p; }
#endif

}  // namespace

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
  p = skip_value_chars_16(p, end);
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
