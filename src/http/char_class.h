// Internal to http/: 256-entry character classes of RFC 9110/9112 grammar, built at compile time.
#pragma once

#include <array>
#include <cstdint>

namespace portico::http::detail {

enum CharClass : uint8_t {
  kTokenChar = 1 << 0,   // tchar (RFC 9110 5.6.2)
  kTargetChar = 1 << 1,  // visible ASCII allowed raw in a request-target (no '#', RFC 9112 3.2)
  kValueChar = 1 << 2,   // field-vchar, SP or HTAB (RFC 9110 5.5); obs-text included
  kHexDigit = 1 << 3,
  kHostChar = 1 << 4,  // reg-name: unreserved / sub-delims / '%' (RFC 3986 3.2.2)
};

constexpr std::array<uint8_t, 256> make_char_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t m = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit) m |= kTokenChar | kHostChar;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~': m |= kTokenChar; break;
      default: break;
    }
    switch (c) {
      case '-':
      case '.':
      case '_':
      case '~':  // unreserved
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':  // sub-delims
      case '+':
      case ',':
      case ';':
      case '=':
      case '%':  // pct-encoded
        m |= kHostChar;
        break;
      default: break;
    }
    if (c > 0x20 && c < 0x7f && c != '#') m |= kTargetChar;
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) m |= kValueChar;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) m |= kHexDigit;
    t[static_cast<size_t>(c)] = m;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kCharClasses = make_char_classes();

inline bool is_a(unsigned char c, CharClass k) { return (kCharClasses[c] & k) != 0; }
inline bool is_token_char(char c) { return is_a(static_cast<unsigned char>(c), kTokenChar); }
inline bool is_target_char(char c) { return is_a(static_cast<unsigned char>(c), kTargetChar); }
inline bool is_value_char(char c) { return is_a(static_cast<unsigned char>(c), kValueChar); }
inline bool is_hex_digit(char c) { return is_a(static_cast<unsigned char>(c), kHexDigit); }
inline bool is_host_char(char c) { return is_a(static_cast<unsigned char>(c), kHostChar); }
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }
// Control characters other than HTAB, and DEL: never valid anywhere in a request head.
inline bool is_ctl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace portico::http::detail
