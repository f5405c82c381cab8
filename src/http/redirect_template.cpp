// Redirect target templates: parsed once at config load, expanded per request without lookups.
#include "portico/http/redirect_template.h"

#include "portico/base/did_you_mean.h"

namespace portico::http {
namespace {

bool is_path_byte_safe(unsigned char c) {
  // RFC 3986 3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@", plus '/'.
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
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
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':  // sub-delims
    case ':':
    case '@':
    case '/': return true;
    default: return false;
  }
}

}  // namespace

const std::vector<std::string_view>& RedirectTemplate::variable_names() {
  static const std::vector<std::string_view> names = {"path", "full_path", "query",
                                                      "host", "hostname",  "scheme"};
  return names;
}

std::optional<RedirectTemplate> RedirectTemplate::parse(std::string_view text, std::string* error) {
  static const Kind kinds[] = {Kind::kPath, Kind::kFullPath, Kind::kQuery,
                               Kind::kHost, Kind::kHostname, Kind::kScheme};
  RedirectTemplate t;
  t.text_ = std::string(text);
  std::string literal;
  auto flush_literal = [&] {
    if (literal.empty()) return;
    t.parts_.push_back(Part{Kind::kLiteral, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      *error = "unmatched '}' at offset " + std::to_string(i) + " (write '}}' for a literal brace)";
      return std::nullopt;
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      *error = "unclosed '{' at offset " + std::to_string(i);
      return std::nullopt;
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    const auto& names = variable_names();
    size_t found = names.size();
    for (size_t k = 0; k < names.size(); ++k) {
      if (names[k] == name) found = k;
    }
    if (found == names.size()) {
      *error = "unknown variable '{" + std::string(name) + "}'";
      std::string_view hint = closest_match(name, names);
      if (!hint.empty()) *error += " (did you mean '{" + std::string(hint) + "}'?)";
      return std::nullopt;
    }
    flush_literal();
    t.parts_.push_back(Part{kinds[found], {}});
    i = close;
  }
  flush_literal();
  for (const Part& p : t.parts_) {
    for (char ch : p.literal) {
      if (static_cast<unsigned char>(ch) < 0x21 || ch == 0x7f) {
        *error = "the target contains a space or control character";
        return std::nullopt;
      }
    }
  }
  return t;
}

std::string RedirectTemplate::expand(const Values& v) const {
  std::string out;
  out.reserve(text_.size() + v.full_path.size() + v.query.size() + v.host.size());
  for (const Part& p : parts_) {
    switch (p.kind) {
      case Kind::kLiteral: out += p.literal; break;
      case Kind::kPath: {
        std::string_view path = v.path;
        // "https://x/new/{path}" must not become "https://x/new//a".
        if (!out.empty() && out.back() == '/' && !path.empty() && path.front() == '/') {
          path.remove_prefix(1);
        }
        out += path;
        break;
      }
      case Kind::kFullPath: out += v.full_path; break;
      case Kind::kQuery:
        if (!v.query.empty()) {
          out += '?';
          out += v.query;
        }
        break;
      case Kind::kHost: out += v.host; break;
      case Kind::kHostname: out += v.hostname; break;
      case Kind::kScheme: out += v.scheme; break;
    }
  }
  return out;
}

void append_percent_encoded_path(std::string& out, std::string_view decoded_path) {
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : decoded_path) {
    if (is_path_byte_safe(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}

}  // namespace portico::http
