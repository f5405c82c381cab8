// The request line: method, request-target in its four forms, version (RFC 9112 3).
#include "http/request_line.h"

#include <algorithm>

#include "http/char_class.h"
#include "http/field_line.h"

namespace portico::http::detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_valid_reg_name(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_host_char(s[i])) return false;
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex_digit(s[i + 1]) || !is_hex_digit(s[i + 2])) return false;
      i += 2;
    }
  }
  return true;
}

// IP-literal contents: IPv6address or IPvFuture (RFC 3986 3.2.2). Checked by character class
// only, which already excludes everything that could end the authority or smuggle a path.
bool is_valid_ip_literal(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return is_host_char(c) || c == ':'; });
}

void split_path_query(std::string_view s, RequestLine& out) {
  const size_t q = s.find('?');
  out.path = s.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view() : s.substr(q + 1);
}

// absolute-form = absolute-URI (RFC 9112 3.2.2), here scheme "://" authority path-abempty
// [ "?" query ]: the only absolute URIs an HTTP server or proxy can act on.
ParseError parse_absolute_form(std::string_view t, RequestLine& out) {
  size_t i = 0;
  if (!is_alpha(t[0])) return ParseError::kBadTarget;
  while (i < t.size() &&
         (is_alpha(t[i]) || is_digit(t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.')) {
    ++i;
  }
  if (t.substr(i, 3) != "://") return ParseError::kBadTarget;
  out.scheme = t.substr(0, i);
  const std::string_view rest = t.substr(i + 3);
  const size_t auth_end = rest.find_first_of("/?");
  out.authority = rest.substr(0, auth_end);
  // RFC 9110 4.2.1: an http(s) URI with an empty host MUST be rejected; 4.2.4: userinfo is an
  // error ('@' is not a host character, so it fails here too).
  if (!is_valid_authority(out.authority, /*require_host=*/true, /*require_port=*/false)) {
    return ParseError::kBadTarget;
  }
  split_path_query(auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end),
                   out);
  if (out.path.empty()) out.path = "/";
  out.form = TargetForm::kAbsolute;
  return ParseError::kNone;
}

ParseError parse_target(RequestLine& out) {
  const std::string_view t = out.target;
  if (out.method == Method::kConnect) {
    // RFC 9112 3.2.3: CONNECT takes the authority-form, and only CONNECT does.
    if (t[0] == '/' || t == "*") return ParseError::kBadTargetForm;
    if (!is_valid_authority(t, /*require_host=*/true, /*require_port=*/true)) {
      return ParseError::kBadTarget;
    }
    out.form = TargetForm::kAuthority;
    out.authority = t;
    return ParseError::kNone;
  }
  if (t == "*") {
    // RFC 9112 3.2.4: the asterisk-form is only used for a server-wide OPTIONS request.
    if (out.method != Method::kOptions) return ParseError::kBadTargetForm;
    out.form = TargetForm::kAsterisk;
    out.path = t;
    return ParseError::kNone;
  }
  if (t[0] == '/') {
    out.form = TargetForm::kOrigin;
    split_path_query(t, out);
    return ParseError::kNone;
  }
  return parse_absolute_form(t, out);
}

ParseError parse_version(std::string_view v, Version& out) {
  for (char c : v) {
    if (is_ctl(c)) return stray_byte_error(c, ParseError::kBadVersion);
  }
  // RFC 9112 2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive.
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' ||
      !is_digit(v[7])) {
    return ParseError::kBadVersion;
  }
  if (v[5] == '1' && v[7] == '1') {
    out = Version::kHttp11;
  } else if (v[5] == '1' && v[7] == '0') {
    out = Version::kHttp10;
  } else {
    // Only 1.0 and 1.1 are served; 1.2+ is refused too, although RFC 9110 2.5 says a 1.1
    // server SHOULD treat a higher 1.x minor as 1.1 (no such version exists).
    return ParseError::kUnsupportedVersion;
  }
  return ParseError::kNone;
}

}  // namespace

bool is_valid_authority(std::string_view a, bool require_host, bool require_port) {
  size_t host_end = 0;
  if (!a.empty() && a[0] == '[') {
    const size_t close = a.find(']');
    if (close == std::string_view::npos || !is_valid_ip_literal(a.substr(1, close - 1))) {
      return false;
    }
    host_end = close + 1;
  } else {
    host_end = a.find(':');
    if (host_end == std::string_view::npos) host_end = a.size();
    if (!is_valid_reg_name(a.substr(0, host_end))) return false;
  }
  if (require_host && host_end == 0) return false;
  if (host_end == a.size()) return !require_port;
  if (a[host_end] != ':') return false;
  const std::string_view port = a.substr(host_end + 1);
  if (require_port && port.empty()) return false;
  return std::ranges::all_of(port, is_digit);
}

ParseError check_request_line_start(char c) {
  return is_token_char(c) || c == '\r' ? ParseError::kNone : ParseError::kBadMethod;
}

ParseError parse_request_line(std::string_view line, RequestLine& out) {
  const char* p = line.data();
  const char* const end = p + line.size();
  // RFC 9112 3: method SP request-target SP HTTP-version, one SP each (we do not take the
  // lenient whitespace splitting the RFC allows: a proxy could split differently).
  while (p != end && is_token_char(*p)) ++p;
  if (p == line.data() || p == end || *p != ' ') return ParseError::kBadMethod;
  out.method_token = std::string_view(line.data(), static_cast<size_t>(p - line.data()));
  out.method = parse_method(out.method_token);  // case-sensitive (RFC 9110 9.1)
  const char* const target = ++p;
  while (p != end && is_target_char(*p)) ++p;
  if (p == target) {
    return p == end || *p == ' ' ? ParseError::kBadTarget
                                 : stray_byte_error(*p, ParseError::kBadTarget);
  }
  if (p == end) return ParseError::kBadVersion;  // HTTP/0.9 "GET /" has no version
  if (*p != ' ') return stray_byte_error(*p, ParseError::kBadTarget);
  out.target = std::string_view(target, static_cast<size_t>(p - target));
  ++p;
  if (const ParseError e =
          parse_version(std::string_view(p, static_cast<size_t>(end - p)), out.version);
      e != ParseError::kNone) {
    return e;
  }
  return parse_target(out);
}

}  // namespace portico::http::detail
