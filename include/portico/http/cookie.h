// Cookies (RFC 6265): a lenient, bounded parser for the Cookie request field and a validating
// builder for Set-Cookie with safe defaults (HttpOnly; Secure over TLS; SameSite=Lax; Path=/).
//
//   if (auto id = http::find_cookie(req, "sid")) ...
//   http::SetCookie c{.name = "sid", .value = token};
//   std::string err;
//   if (!http::add_set_cookie(res, c, req.is_secure(), &err)) LOG_ERROR("%s", err.c_str());
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

// ---- Cookie (request) ----------------------------------------------------------------------

// One cookie as the client sent it: views into the request (valid while it is).
struct CookieView {
  std::string_view name;
  std::string_view value;  // without the surrounding DQUOTEs, if it had them
};

struct CookieLimits {
  size_t max_cookies = 256;  // distinct names kept; the rest are ignored
  size_t max_pairs = 1024;   // ';'-separated pieces looked at in all (bounds the work)
};

// Parses one Cookie field value (RFC 6265 4.2.1: `name=value; name2=value2`) and appends the
// cookies to `out`. Lenient, because browsers and scripts send worse than the grammar: pieces
// that do not parse are skipped, never the whole field. A piece is kept when its name is a token
// (RFC 9110 5.6.2) and its value, after OWS trimming and removal of one pair of DQUOTEs, has no
// control character, ';', or inner DQUOTE. Other bytes (space, ',', '\\', bytes >= 0x80) are kept:
// values are opaque to the server. A name already in `out` is skipped (the first wins: RFC 6265
// 5.4 orders more specific paths first). Returns the number of cookies appended.
size_t parse_cookie_header(std::string_view field_value, std::vector<CookieView>& out,
                           const CookieLimits& limits = {});

// Every Cookie field of the request (HTTP/2 splits them; some clients send several), in order,
// under one set of limits.
std::vector<CookieView> parse_cookies(const Request& request, const CookieLimits& limits = {});

// The first well-formed cookie of that name among the first max_pairs pieces (names are
// case-sensitive: RFC 6265 5.3 step 11 compares them exactly), or nullopt. Allocates nothing.
std::optional<std::string_view> find_cookie(const Request& request, std::string_view name,
                                            const CookieLimits& limits = {});

// ---- Set-Cookie (response) ---------------------------------------------------------------

enum class SameSite : uint8_t { kLax, kStrict, kNone, kOmit };  // kOmit: no attribute sent

struct SetCookie {
  std::string name;
  std::string value;
  std::string path = "/";          // empty: no Path attribute
  std::string domain;              // empty: host-only cookie (the safest)
  std::optional<int64_t> max_age;  // seconds; 0 or negative deletes the cookie (RFC 6265 5.2.2)
  std::optional<int64_t> expires;  // Unix seconds, written as an HTTP-date
  // nullopt: Secure exactly when the request arrived over TLS. SameSite=None requires Secure
  // (browsers drop it otherwise), so the builder refuses None without it.
  std::optional<bool> secure;
  bool http_only = true;
  SameSite same_site = SameSite::kLax;
};

// Whether a cookie name is a token (RFC 6265 4.1.1); whether a value is *cookie-octet, optionally
// within DQUOTEs. When not, *why (if given) says what is wrong.
bool is_valid_cookie_name(std::string_view name, std::string* why = nullptr);
bool is_valid_cookie_value(std::string_view value, std::string* why = nullptr);

// The Set-Cookie field value, or nullopt (with *error) when the name, value, path or domain is
// not allowed, when SameSite=None lacks Secure, or when a `__Secure-` / `__Host-` prefixed name
// breaks its prefix's rules (RFC 6265bis 4.1.3).
std::optional<std::string> format_set_cookie(const SetCookie& cookie, bool request_secure,
                                             std::string* error = nullptr);

// Formats and appends a Set-Cookie field to the response. False (and *error) when refused; the
// response is then unchanged.
bool add_set_cookie(Response& response, const SetCookie& cookie, bool request_secure,
                    std::string* error = nullptr);

// A Set-Cookie that deletes `name` (empty value, Max-Age=0, the same path/domain it was set with).
SetCookie expired_cookie(std::string name, std::string path = "/", std::string domain = {});

}  // namespace portico::http
