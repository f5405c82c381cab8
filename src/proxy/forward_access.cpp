// Forward proxy targets and access rules: parsing "host:port", and deciding from ports, host
// names and networks whether a client may reach a destination.
#include "portico/proxy/forward_access.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace portico::proxy {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// A DNS name as a proxy can resolve it: letters, digits, '-', '_', '.', no empty label, at
// most 253 bytes (RFC 1035 2.3.4) plus one trailing dot.
bool is_valid_host_name(std::string_view h) {
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  if (h.empty() || h.size() > 253) return false;
  if (!std::ranges::all_of(h, is_name_char)) return false;
  size_t label = 0;
  for (char c : h) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label > 0;
}

std::string normalize_host_pattern(std::string_view p) {
  std::string out;
  if (p.starts_with("*.")) p.remove_prefix(1);  // "*.example.com" == ".example.com"
  for (char c : p) out += lower(c);
  if (out.size() > 1 && out.back() == '.') out.pop_back();
  return out;
}

net::NetworkSet parse_networks(const std::vector<std::string>& entries, const char* what) {
  std::string err;
  std::optional<net::NetworkSet> set = net::NetworkSet::parse(entries, &err);
  if (!set) throw std::invalid_argument(std::string(what) + ": " + err);
  return std::move(*set);
}

}  // namespace

std::string ProxyTarget::authority() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out = "[" + host + "]";
  } else {
    out = host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string_view to_string(TargetError e) {
  switch (e) {
    case TargetError::kNone: return "ok";
    case TargetError::kMissingPort: return "the target has no port (expected host:port)";
    case TargetError::kBadPort: return "the target port is not a number from 1 to 65535";
    case TargetError::kUserInfo: return "the target contains user information ('user@')";
    case TargetError::kBadHost: return "the target host is not a valid name or IP address";
  }
  return "unknown";
}

std::string_view to_string(AccessVerdict v) {
  switch (v) {
    case AccessVerdict::kAllowed: return "allowed";
    case AccessVerdict::kPortDenied: return "port-denied";
    case AccessVerdict::kHostDenied: return "host-denied";
    case AccessVerdict::kNetworkDenied: return "network-denied";
    case AccessVerdict::kClientDenied: return "client-denied";
  }
  return "unknown";
}

TargetError parse_proxy_target(std::string_view a, uint16_t default_port, ProxyTarget& out) {
  out = ProxyTarget{};
  if (a.find('@') != std::string_view::npos) return TargetError::kUserInfo;
  std::string_view host;
  std::string_view rest;
  if (!a.empty() && a[0] == '[') {
    const size_t close = a.find(']');
    if (close == std::string_view::npos) return TargetError::kBadHost;
    host = a.substr(1, close - 1);
    rest = a.substr(close + 1);
    std::optional<net::IpAddress> ip = net::IpAddress::parse(host);
    if (!ip || host.find(':') == std::string_view::npos) {
      return TargetError::kBadHost;  // "[10.0.0.1]" or an IPvFuture: not an IPv6 address
    }
    out.host = ip->to_string();
    out.ip_literal = true;
  } else {
    const size_t colon = a.find(':');
    host = a.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : a.substr(colon);
    if (std::optional<net::IpAddress> ip = net::IpAddress::parse(host); ip && ip->is_ipv4()) {
      out.host = ip->to_string();
      out.ip_literal = true;
    } else if (is_valid_host_name(host)) {
      for (char c : host) out.host += lower(c);
      if (out.host.back() == '.') out.host.pop_back();
    } else {
      return TargetError::kBadHost;
    }
  }
  if (rest.empty()) {
    if (default_port == 0) return TargetError::kMissingPort;
    out.port = default_port;
    return TargetError::kNone;
  }
  if (rest[0] != ':') return TargetError::kBadHost;
  const std::string_view port = rest.substr(1);
  if (port.empty()) {
    // RFC 3986 3.2.3: an empty port is the scheme's default; CONNECT has none.
    if (default_port == 0) return TargetError::kMissingPort;
    out.port = default_port;
    return TargetError::kNone;
  }
  if (port.size() > 5 || !std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; })) {
    return TargetError::kBadPort;
  }
  uint32_t n = 0;
  std::from_chars(port.data(), port.data() + port.size(), n);
  if (n == 0 || n > 65535) return TargetError::kBadPort;
  out.port = static_cast<uint16_t>(n);
  return TargetError::kNone;
}

ForwardAccess::ForwardAccess(const ForwardAccessOptions& o)
    : ports_(o.allowed_ports),
      allowed_(parse_networks(o.allow_networks, "allow_networks")),
      denied_(parse_networks(o.deny_networks, "deny_networks")),
      default_denied_(net::NetworkSet::non_public()) {
  for (uint16_t p : ports_) {
    if (p == 0) throw std::invalid_argument("allowed_ports: 0 is not a port");
  }
  std::ranges::sort(ports_);
  ports_.erase(std::unique(ports_.begin(), ports_.end()), ports_.end());
  for (const auto* list : {&o.allow_hosts, &o.deny_hosts}) {
    for (const std::string& h : *list) {
      const std::string p = normalize_host_pattern(h);
      const std::string_view name = p.starts_with('.') ? std::string_view(p).substr(1) : p;
      if (!is_valid_host_name(name)) {
        throw std::invalid_argument(
            std::string(list == &o.allow_hosts ? "allow_hosts" : "deny_hosts") + ": '" + h +
            "' is not a host name or *.domain pattern");
      }
      (list == &o.allow_hosts ? allow_hosts_ : deny_hosts_).push_back(p);
    }
  }
  if (!o.client_networks.empty()) clients_ = parse_networks(o.client_networks, "client_networks");
}

bool ForwardAccess::host_matches(std::string_view host, const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns) {
    if (p.starts_with('.')) {
      // ".example.com" matches "example.com" and every name below it.
      if (host == std::string_view(p).substr(1) || host.ends_with(p)) return true;
    } else if (host == p) {
      return true;
    }
  }
  return false;
}

AccessVerdict ForwardAccess::check_client(const net::IpAddress& client) const {
  if (clients_ && !clients_->contains(client)) return AccessVerdict::kClientDenied;
  return AccessVerdict::kAllowed;
}

AccessVerdict ForwardAccess::check_target(const ProxyTarget& target) const {
  if (!std::ranges::binary_search(ports_, target.port)) return AccessVerdict::kPortDenied;
  if (target.ip_literal) {
    std::optional<net::IpAddress> ip = net::IpAddress::parse(target.host);
    if (!ip) return AccessVerdict::kNetworkDenied;
    return check_address(*ip);
  }
  if (host_matches(target.host, deny_hosts_)) return AccessVerdict::kHostDenied;
  if (!allow_hosts_.empty() && !host_matches(target.host, allow_hosts_)) {
    return AccessVerdict::kHostDenied;
  }
  return AccessVerdict::kAllowed;
}

AccessVerdict ForwardAccess::check_address(const net::IpAddress& address) const {
  if (denied_.contains(address)) return AccessVerdict::kNetworkDenied;
  if (allowed_.contains(address)) return AccessVerdict::kAllowed;
  if (default_denied_.contains(address)) return AccessVerdict::kNetworkDenied;
  return AccessVerdict::kAllowed;
}

}  // namespace portico::proxy
