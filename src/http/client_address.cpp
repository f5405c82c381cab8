// The effective client address behind trusted proxies (X-Forwarded-For, RFC 7239 Forwarded).
#include "portico/http/client_address.h"

#include <string>
#include <vector>

#include "portico/http/headers.h"

namespace portico::http {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Splits at `sep` outside quoted-strings (RFC 9110 5.6.4), appending trimmed, non-empty parts
// (RFC 9110 5.6.1: empty list elements are ignored).
void split_outside_quotes(std::string_view s, char sep, std::vector<std::string_view>& out) {
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size()) {
      char c = s[i];
      if (quoted && c == '\\' && i + 1 < s.size()) {
        ++i;  // the escaped character, whatever it is
        continue;
      }
      if (c == '"') quoted = !quoted;
      if (c != sep || quoted) continue;
    }
    std::string_view part = trim(s.substr(start, i - start));
    if (!part.empty()) out.push_back(part);
    start = i + 1;
  }
}

bool is_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// RFC 7239 6.3: obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-").
bool is_obfuscated_port(std::string_view s) {
  if (s.size() < 2 || s[0] != '_') return false;
  for (char c : s.substr(1)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<net::IpAddress> parse_forwarded_node(std::string_view node) {
  node = trim(node);
  if (node.empty()) return std::nullopt;
  if (node.front() == '[') {  // "[2001:db8::1]" or "[2001:db8::1]:4711"
    size_t close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view host = node.substr(1, close - 1);
    std::string_view after = node.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      std::string_view port = after.substr(1);
      if (!is_port(port) && !is_obfuscated_port(port)) return std::nullopt;
    }
    if (host.find(':') == std::string_view::npos) return std::nullopt;  // IPv4 is never bracketed
    return net::IpAddress::parse(host);
  }
  size_t colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: "192.0.2.1:4711". A bare IPv6 address has at least two.
    std::string_view port = node.substr(colon + 1);
    if (!is_port(port) && !is_obfuscated_port(port)) return std::nullopt;
    node = node.substr(0, colon);
    if (node.find('.') == std::string_view::npos) return std::nullopt;
  }
  return net::IpAddress::parse(node);
}

std::string_view forwarded_for_parameter(std::string_view element, std::string& unquoted) {
  std::vector<std::string_view> pairs;
  split_outside_quotes(element, ';', pairs);
  std::string_view found;
  bool seen = false;
  for (std::string_view pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return {};  // RFC 7239 4: every pair is token=value
    if (!iequals(trim(pair.substr(0, eq)), "for")) continue;
    if (seen) return {};  // RFC 7239 4: a parameter occurs at most once per element
    seen = true;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      unquoted.clear();
      for (size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size()) ++i;  // quoted-pair
        unquoted += value[i];
      }
      found = unquoted;
    } else if (!value.empty() && value.front() != '"') {
      found = value;
    } else {
      return {};
    }
  }
  return found;
}

net::IpAddress client_address(const net::IpAddress& peer,
                              std::span<const std::string_view> field_values,
                              const TrustedProxies& trusted) {
  if (!trusted.networks.contains(peer)) return peer;
  std::vector<std::string_view> elements;
  for (std::string_view v : field_values) split_outside_quotes(v, ',', elements);
  net::IpAddress client = peer;
  std::string unquoted;
  for (size_t i = elements.size(); i-- > 0;) {
    std::optional<net::IpAddress> hop;
    if (trusted.field == ForwardedField::kForwarded) {
      std::string_view node = forwarded_for_parameter(elements[i], unquoted);
      if (!node.empty()) hop = parse_forwarded_node(node);
    } else {
      hop = parse_forwarded_node(elements[i]);
    }
    if (!hop) return client;  // nothing further left can be verified
    client = *hop;
    if (!trusted.networks.contains(client)) return client;
  }
  return client;  // every hop trusted (or no field): the leftmost, or the peer
}

net::IpAddress client_address(const Request& request, const TrustedProxies& trusted) {
  net::IpAddress peer = net::IpAddress::from(request.peer());
  if (trusted.networks.empty() || !trusted.networks.contains(peer)) return peer;
  std::string_view name =
      trusted.field == ForwardedField::kForwarded ? "Forwarded" : "X-Forwarded-For";
  std::vector<std::string_view> values;
  for (const HeaderView& h : request.headers()) {
    if (iequals(h.name, name)) values.push_back(h.value);
  }
  return client_address(peer, values, trusted);
}

}  // namespace portico::http
