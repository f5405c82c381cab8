// Parsing of `Authorization: Basic ...` / `Proxy-Authorization: Basic ...` (RFC 7617 2).
#include <algorithm>

#include "http/base64.h"
#include "http/char_class.h"
#include "http/crypto.h"
#include "http/utf8.h"
#include "portico/http/basic_auth.h"
#include "portico/http/headers.h"

namespace portico::http {
namespace {

constexpr size_t kMaxUserNameBytes = 255;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && detail::is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && detail::is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 7617 2: user-id and password "MUST NOT contain any control characters" (CTL of RFC 5234,
// which includes HTAB).
bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\t' || detail::is_ctl(c); });
}

// token68 (RFC 9110 11.2): ALPHA / DIGIT / "-._~+/" then *"=".
bool is_token68(std::string_view s) {
  size_t i = 0;
  const auto body = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < s.size() && body(s[i])) ++i;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

}  // namespace

std::string_view to_string(CredentialsStatus s) {
  switch (s) {
    case CredentialsStatus::kOk: return "ok";
    case CredentialsStatus::kMissing: return "no credentials";
    case CredentialsStatus::kOtherScheme: return "not the Basic scheme";
    case CredentialsStatus::kMalformed: return "malformed Basic credentials";
    case CredentialsStatus::kNoColon: return "credentials without ':' between user and password";
    case CredentialsStatus::kBadUserName:
      return "user name empty, too long, not UTF-8 or with control characters";
    case CredentialsStatus::kBadPassword: return "password with control characters";
    case CredentialsStatus::kTooLong: return "credentials field too long";
  }
  return "unknown";
}

BasicCredentials::~BasicCredentials() { crypto::wipe(password); }

CredentialsStatus parse_basic_credentials(std::string_view field_value, BasicCredentials& out) {
  if (field_value.size() > kMaxCredentialsBytes) return CredentialsStatus::kTooLong;
  const std::string_view v = trim_ows(field_value);
  const size_t sp = v.find(' ');
  const std::string_view scheme = v.substr(0, sp);
  if (scheme.empty()) return CredentialsStatus::kMalformed;
  // RFC 9110 11.1: the auth-scheme is case-insensitive.
  if (!iequals(scheme, "Basic")) {
    const bool token = std::all_of(scheme.begin(), scheme.end(), detail::is_token_char);
    return token ? CredentialsStatus::kOtherScheme : CredentialsStatus::kMalformed;
  }
  if (sp == std::string_view::npos) return CredentialsStatus::kMalformed;  // "Basic" alone
  const std::string_view token = trim_ows(v.substr(sp + 1));
  if (!is_token68(token)) return CredentialsStatus::kMalformed;
  auto decoded = base64_decode(token, Base64Alphabet::kStandard);
  if (!decoded) return CredentialsStatus::kMalformed;

  // The user-id cannot contain ':' (RFC 7617 2), so the first one splits; the password may.
  CredentialsStatus status = CredentialsStatus::kOk;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    status = CredentialsStatus::kNoColon;
  } else {
    const std::string_view user = std::string_view(*decoded).substr(0, colon);
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    if (user.empty() || user.size() > kMaxUserNameBytes || has_ctl(user) || !is_valid_utf8(user)) {
      status = CredentialsStatus::kBadUserName;
    } else if (has_ctl(password)) {
      status = CredentialsStatus::kBadPassword;
    } else {
      out.user.assign(user);
      crypto::wipe(out.password);
      out.password.assign(password);
    }
  }
  crypto::wipe(*decoded);
  return status;
}

CredentialsStatus parse_basic_credentials(const Request& request, std::string_view field_name,
                                          BasicCredentials& out) {
  const HeaderView* found = nullptr;
  for (const auto& h : request.headers()) {
    if (!iequals(h.name, field_name)) continue;
    // Two credentials fields leave it unclear which one the client meant.
    if (found) return CredentialsStatus::kMalformed;
    found = &h;
  }
  if (!found) return CredentialsStatus::kMissing;
  return parse_basic_credentials(found->value, out);
}

}  // namespace portico::http
