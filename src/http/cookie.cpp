// Cookie field parsing (lenient, bounded) and Set-Cookie formatting (strict) per RFC 6265.
#include "portico/http/cookie.h"

#include <algorithm>

#include "http/char_class.h"
#include "portico/http/headers.h"
#include "portico/http/http_date.h"

namespace portico::http {
namespace {

// Browsers store at most 4096 bytes of name + value per cookie (RFC 6265 6.1 minimum).
constexpr size_t kMaxCookieBytes = 4096;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && detail::is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && detail::is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), detail::is_token_char);
}

// RFC 6265 4.1.1 cookie-octet: visible ASCII but DQUOTE, ',', ';' and '\\'.
bool is_cookie_octet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

// What the parser tolerates inside a received value: anything but controls, ';' and DQUOTE.
bool is_lenient_value_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u != 0x7f && c != ';' && c != '"';
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Walks the ';'-separated pieces of one Cookie field, calling on_pair(name, value) for each
// well-formed pair until it returns false or the piece budget is spent. Returns false when
// stopped by on_pair.
template <typename OnPair>
bool for_each_pair(std::string_view field, size_t& pairs_left, OnPair on_pair) {
  while (!field.empty() && pairs_left > 0) {
    --pairs_left;
    const size_t semi = field.find(';');
    std::string_view piece = field.substr(0, semi);
    field = semi == std::string_view::npos ? std::string_view() : field.substr(semi + 1);

    const size_t eq = piece.find('=');
    if (eq == std::string_view::npos) continue;  // "flag" without '=': not a cookie pair
    const std::string_view name = trim_ows(piece.substr(0, eq));
    const std::string_view value = unquote(trim_ows(piece.substr(eq + 1)));
    if (!is_token(name)) continue;
    if (!std::all_of(value.begin(), value.end(), is_lenient_value_byte)) continue;
    if (!on_pair(name, value)) return false;
  }
  return true;
}

size_t parse_into(std::string_view field, std::vector<CookieView>& out, const CookieLimits& limits,
                  size_t& pairs_left) {
  size_t added = 0;
  if (out.size() >= limits.max_cookies) return 0;
  for_each_pair(field, pairs_left, [&](std::string_view name, std::string_view value) {
    const bool seen =
        std::any_of(out.begin(), out.end(), [name](const CookieView& c) { return c.name == name; });
    if (!seen) {
      out.push_back({name, value});
      ++added;
    }
    return out.size() < limits.max_cookies;
  });
  return added;
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

}  // namespace

size_t parse_cookie_header(std::string_view field_value, std::vector<CookieView>& out,
                           const CookieLimits& limits) {
  size_t pairs_left = limits.max_pairs;
  return parse_into(field_value, out, limits, pairs_left);
}

std::vector<CookieView> parse_cookies(const Request& request, const CookieLimits& limits) {
  std::vector<CookieView> out;
  size_t pairs_left = limits.max_pairs;
  for (const auto& h : request.headers()) {
    if (iequals(h.name, "Cookie")) parse_into(h.value, out, limits, pairs_left);
  }
  return out;
}

std::optional<std::string_view> find_cookie(const Request& request, std::string_view name,
                                            const CookieLimits& limits) {
  // No list is built: the first well-formed pair of that name is the answer (first wins).
  size_t pairs_left = limits.max_pairs;
  std::optional<std::string_view> found;
  for (const auto& h : request.headers()) {
    if (!iequals(h.name, "Cookie")) continue;
    const bool more =
        for_each_pair(h.value, pairs_left, [&](std::string_view n, std::string_view v) {
          if (n == name) found = v;
          return !found;
        });
    if (!more || pairs_left == 0) break;
  }
  return found;
}

bool is_valid_cookie_name(std::string_view name, std::string* why) {
  if (name.empty()) return fail(why, "cookie name is empty");
  if (!is_token(name)) return fail(why, "cookie name is not a token (RFC 6265 4.1.1)");
  return true;
}

bool is_valid_cookie_value(std::string_view value, std::string* why) {
  const std::string_view inner = unquote(value);
  if (!std::all_of(inner.begin(), inner.end(), is_cookie_octet)) {
    return fail(why,
                "cookie value has a byte outside cookie-octet (RFC 6265 4.1.1: no space, DQUOTE, "
                "',', ';', '\\\\', controls or non-ASCII; encode it, e.g. base64url)");
  }
  return true;
}

std::optional<std::string> format_set_cookie(const SetCookie& c, bool request_secure,
                                             std::string* error) {
  if (!is_valid_cookie_name(c.name, error) || !is_valid_cookie_value(c.value, error)) {
    return std::nullopt;
  }
  if (c.name.size() + c.value.size() > kMaxCookieBytes) {
    fail(error, "cookie name and value exceed 4096 bytes (browsers drop it)");
    return std::nullopt;
  }
  // path-value and domain go out verbatim: ';' or a control character would start a new
  // attribute or break the field (RFC 6265 4.1.1).
  const auto bad_av = [](char ch) { return ch == ';' || detail::is_ctl(ch); };
  if (!c.path.empty() &&
      (c.path.front() != '/' || std::any_of(c.path.begin(), c.path.end(), bad_av))) {
    fail(error, "cookie path must start with '/' and have no ';' or control characters");
    return std::nullopt;
  }
  const auto domain_char = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.';
  };
  if (!c.domain.empty() && !std::all_of(c.domain.begin(), c.domain.end(), domain_char)) {
    fail(error, "cookie domain must be a host name (letters, digits, '-', '.')");
    return std::nullopt;
  }
  const bool secure = c.secure.value_or(request_secure);
  if (c.same_site == SameSite::kNone && !secure) {
    fail(error, "SameSite=None requires Secure (browsers reject it otherwise)");
    return std::nullopt;
  }
  // RFC 6265bis 4.1.3: prefixes promise the browser these properties; never send a lie.
  if (starts_with_icase(c.name, "__Secure-") && !secure) {
    fail(error, "a __Secure- cookie must be Secure (set it over HTTPS)");
    return std::nullopt;
  }
  if (starts_with_icase(c.name, "__Host-") && (!secure || c.path != "/" || !c.domain.empty())) {
    fail(error, "a __Host- cookie must be Secure, have Path=/ and no Domain");
    return std::nullopt;
  }

  std::string out;
  out.reserve(c.name.size() + c.value.size() + 96);
  out.append(c.name).append("=").append(c.value);
  if (!c.path.empty()) out.append("; Path=").append(c.path);
  if (!c.domain.empty()) out.append("; Domain=").append(c.domain);
  if (c.max_age) out.append("; Max-Age=").append(std::to_string(std::max<int64_t>(*c.max_age, 0)));
  if (c.expires) out.append("; Expires=").append(format_http_date(*c.expires).view());
  if (secure) out.append("; Secure");
  if (c.http_only) out.append("; HttpOnly");
  switch (c.same_site) {
    case SameSite::kLax: out.append("; SameSite=Lax"); break;
    case SameSite::kStrict: out.append("; SameSite=Strict"); break;
    case SameSite::kNone: out.append("; SameSite=None"); break;
    case SameSite::kOmit: break;
  }
  return out;
}

bool add_set_cookie(Response& response, const SetCookie& cookie, bool request_secure,
                    std::string* error) {
  auto value = format_set_cookie(cookie, request_secure, error);
  if (!value) return false;
  response.add_header("Set-Cookie", *value);
  return true;
}

SetCookie expired_cookie(std::string name, std::string path, std::string domain) {
  SetCookie c;
  c.name = std::move(name);
  c.path = std::move(path);
  c.domain = std::move(domain);
  c.max_age = 0;
  c.expires = 0;  // for clients that predate Max-Age (RFC 6265 5.2.1: a date in the past)
  return c;
}

}  // namespace portico::http
