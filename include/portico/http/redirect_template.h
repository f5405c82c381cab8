// A redirect target with variables, parsed once and expanded per request:
// "https://example.com{path}{query}".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::http {

// Variables (anything else in braces is an error; "{{" and "}}" are literal braces):
//   {path}       the request path below the route's prefix, starting with '/' (route "/old/",
//                request "/old/a/b" -> "/a/b"; route "/" or an exact route -> the whole path).
//                Normalized (dot segments resolved) and percent-encoded. When the template has
//                a '/' right before {path}, that slash is not doubled: "https://x/new/{path}"
//                and "https://x/new{path}" both give "https://x/new/a/b".
//   {full_path}  the whole request path, normalized and percent-encoded ("/old/a/b").
//   {query}      '?' and the query as received when the request has a non-empty query, else
//                nothing ("?q=1" or "").
//   {host}       the Host as received, with its port if one was given ("example.test:8080").
//   {hostname}   the Host without its port, lowercased ("example.test").
//   {scheme}     "http" or "https", as the request arrived.
class RedirectTemplate {
 public:
  struct Values {
    std::string_view path;       // already encoded, starts with '/' (or empty)
    std::string_view full_path;  // already encoded
    std::string_view query;      // without '?', empty when none
    std::string_view host;
    std::string_view hostname;
    std::string_view scheme;
  };

  // nullopt with *error set (e.g. "unknown variable '{pth}' (did you mean '{path}'?)").
  static std::optional<RedirectTemplate> parse(std::string_view text, std::string* error);

  std::string expand(const Values& values) const;
  const std::string& text() const { return text_; }
  // The variable names, for error hints.
  static const std::vector<std::string_view>& variable_names();

 private:
  enum class Kind : unsigned char { kLiteral, kPath, kFullPath, kQuery, kHost, kHostname, kScheme };
  struct Part {
    Kind kind = Kind::kLiteral;
    std::string literal;
  };
  std::string text_;
  std::vector<Part> parts_;
};

// Percent-encodes a decoded path for a URL: every byte except unreserved characters, sub-delims,
// ':', '@' and '/' becomes %XX (RFC 3986 3.3).
void append_percent_encoded_path(std::string& out, std::string_view decoded_path);

}  // namespace portico::http
