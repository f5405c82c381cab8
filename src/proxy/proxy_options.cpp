// ProxyOptions: upstream URL parsing and the config-time validation of a proxy route.
#include "portico/proxy/proxy_options.h"

#include <charconv>

namespace portico::proxy {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<UpstreamUrl> parse_upstream_url(std::string_view url, std::string* error) {
  auto fail = [&](std::string what) -> std::optional<UpstreamUrl> {
    if (error) *error = "upstream '" + std::string(url) + "': " + what;
    return std::nullopt;
  };
  UpstreamUrl out;
  std::string_view rest;
  if (starts_with_nocase(url, "http://")) {
    rest = url.substr(7);
  } else if (starts_with_nocase(url, "https://")) {
    out.https = true;
    rest = url.substr(8);
  } else {
    return fail("expected http://HOST[:PORT] or https://HOST[:PORT]");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail("a query or fragment is not allowed");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  if (out.path == "/") out.path.clear();
  if (authority.find('@') != std::string_view::npos) return fail("userinfo is not allowed");
  if (authority.empty()) return fail("no host");
  // The port follows the last ':' unless that ':' is inside an IPv6 literal's brackets.
  std::string_view host = authority;
  std::string_view port_text;
  const size_t colon = authority.rfind(':');
  const size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return fail("empty port");
  }
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) {
      return fail("port '" + std::string(port_text) + "' is not 1..65535");
    }
    out.port = static_cast<uint16_t>(p);
  } else {
    out.port = out.https ? 443 : 80;
  }
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of("[]:") != std::string_view::npos) {
    return fail("an IPv6 address needs brackets, e.g. http://[::1]:9000");
  }
  if (host.empty()) return fail("no host");
  out.host = std::string(host);
  out.authority = (bracketed ? "[" + out.host + "]" : out.host) + ":" + std::to_string(out.port);
  return out;
}

std::optional<UpstreamTarget> parse_upstream_target(std::string_view spec, std::string* error) {
  UpstreamTarget t;
  const size_t semi = spec.find(';');
  t.url = std::string(spec.substr(0, semi));
  if (semi != std::string_view::npos) {
    std::string_view param = spec.substr(semi + 1);
    constexpr std::string_view kWeight = "weight=";
    unsigned w = 0;
    const char* end = param.data() + param.size();
    if (param.substr(0, kWeight.size()) != kWeight ||
        std::from_chars(param.data() + kWeight.size(), end, w).ptr != end || w == 0 ||
        w > UpstreamSet::kMaxWeight) {
      if (error) {
        *error = "upstream '" + std::string(spec) + "': expected URL;weight=N with N in 1.." +
                 std::to_string(UpstreamSet::kMaxWeight);
      }
      return std::nullopt;
    }
    t.weight = w;
  }
  if (!parse_upstream_url(t.url, error)) return std::nullopt;
  return t;
}

bool apply_balance_name(std::string_view name, ProxyOptions& options) {
  if (name == "redirect") {
    options.redirect = true;
    options.balance = BalancePolicy::kRoundRobin;
    return true;
  }
  auto policy = parse_balance_policy(name);
  if (!policy) return false;
  options.redirect = false;
  options.balance = *policy;
  return true;
}

std::string ProxyOptions::validate() const {
  if (upstreams.empty()) return "proxy: no upstreams";
  std::vector<std::string> seen;
  for (const UpstreamTarget& t : upstreams) {
    std::string err;
    auto url = parse_upstream_url(t.url, &err);
    if (!url) return "proxy: " + err;
    if (!url->path.empty() && !redirect) {
      return "proxy: upstream '" + t.url +
             "': a path is only allowed with balance = \"redirect\" (use strip_prefix / "
             "add_prefix to rewrite paths)";
    }
    if (t.weight < 1 || t.weight > UpstreamSet::kMaxWeight) {
      return "proxy: upstream '" + t.url + "': weight " + std::to_string(t.weight) +
             " is not in 1.." + std::to_string(UpstreamSet::kMaxWeight);
    }
    for (const std::string& s : seen) {
      if (s == t.url) return "proxy: upstream '" + t.url + "' is listed twice";
    }
    seen.push_back(t.url);
  }
  if ((hash_key == HashKeySource::kHeader || hash_key == HashKeySource::kCookie) &&
      hash_key_name.empty()) {
    return "proxy: the hash key needs a header or cookie name";
  }
  if (balance == BalancePolicy::kSticky) {
    if (balancer.sticky_fallback == BalancePolicy::kSticky) {
      return "proxy: the sticky fallback policy cannot be sticky";
    }
    if (sticky_cookie.empty()) return "proxy: sticky balancing needs a cookie name";
    for (char c : sticky_cookie) {
      // RFC 6265 4.1.1: a cookie-name is a token.
      if (c <= ' ' || c >= 127 ||
          std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) {
        return "proxy: sticky cookie name '" + sticky_cookie + "' is not a token";
      }
    }
  }
  if (connect_timeout_ms == 0 || read_timeout_ms == 0 || send_timeout_ms == 0) {
    return "proxy: timeouts must be above 0";
  }
  if (max_retries > 16) return "proxy: max_retries above 16";
  if (std::string e = validate_forward_options(forward); !e.empty()) return "proxy: " + e;
  if (active_health) {
    if (std::string e = validate_active_check_options(*active_health); !e.empty()) {
      return "proxy: health check: " + e;
    }
  }
  return {};
}

}  // namespace portico::proxy
