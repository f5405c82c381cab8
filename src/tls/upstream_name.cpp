// Upstream names for SNI and certificate checks: DNS names normalized, IP literals recognized.
#include "tls/upstream_name.h"

#include <arpa/inet.h>

namespace portico::tls {
namespace {

constexpr size_t kMaxNameBytes = 253;  // RFC 1035 2.3.4, without the trailing dot
constexpr size_t kMaxLabelBytes = 63;

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::optional<UpstreamName> parse_upstream_name(std::string_view name) {
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    std::string inner(name.substr(1, name.size() - 2));
    unsigned char buf[16];
    if (inet_pton(AF_INET6, inner.c_str(), buf) != 1) return std::nullopt;
    return UpstreamName{inner, true};
  }
  std::string text(name);
  if (is_ip_literal(text)) return UpstreamName{text, true};
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text.empty() || text.size() > kMaxNameBytes) return std::nullopt;
  size_t label = 0;
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '.') {
      if (label == 0) return std::nullopt;
      label = 0;
      continue;
    }
    if (!name_char(c) || ++label > kMaxLabelBytes) return std::nullopt;
  }
  if (label == 0) return std::nullopt;
  return UpstreamName{text, false};
}

}  // namespace portico::tls
