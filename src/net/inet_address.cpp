// InetAddress: parsing and formatting of IPv4/IPv6 socket addresses.
#include "portico/net/inet_address.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace portico::net {
namespace {

static_assert(sizeof(sockaddr_in6) <= 28, "InetAddress storage too small");
static_assert(alignof(sockaddr_in6) <= 8, "InetAddress storage under-aligned");

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

InetAddress::InetAddress() {
  auto* sin = reinterpret_cast<sockaddr_in*>(storage_);
  sin->sin_family = AF_INET;
}

InetAddress InetAddress::any(uint16_t port, Family family) {
  InetAddress a;
  if (family == Family::kIPv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(a.storage_);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_any;
  } else {
    reinterpret_cast<sockaddr_in*>(a.storage_)->sin_addr.s_addr = htonl(INADDR_ANY);
  }
  a.set_port(port);
  return a;
}

InetAddress InetAddress::loopback(uint16_t port, Family family) {
  InetAddress a;
  if (family == Family::kIPv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(a.storage_);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_loopback;
  } else {
    reinterpret_cast<sockaddr_in*>(a.storage_)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  a.set_port(port);
  return a;
}

std::optional<InetAddress> InetAddress::from_host_port(std::string_view host, uint16_t port) {
  // inet_pton needs a NUL-terminated string; addresses are short.
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (host.empty() || host.size() >= sizeof buf) return std::nullopt;
  InetAddress a;
  if (host.find(':') == std::string_view::npos) {
    std::memcpy(buf, host.data(), host.size());
    buf[host.size()] = '\0';
    auto* sin = reinterpret_cast<sockaddr_in*>(a.storage_);
    if (::inet_pton(AF_INET, buf, &sin->sin_addr) != 1) return std::nullopt;
    a.set_port(port);
    return a;
  }
  std::string_view addr = host;
  std::string_view scope;
  if (size_t pct = host.find('%'); pct != std::string_view::npos) {
    addr = host.substr(0, pct);
    scope = host.substr(pct + 1);
    if (scope.empty()) return std::nullopt;
  }
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(a.storage_);
  sin6->sin6_family = AF_INET6;
  if (::inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1) return std::nullopt;
  if (!scope.empty()) {
    if (all_digits(scope)) {
      uint32_t id = 0;
      auto [p, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), id);
      if (ec != std::errc() || p != scope.data() + scope.size()) return std::nullopt;
      sin6->sin6_scope_id = id;
    } else {
      if (scope.size() >= IF_NAMESIZE) return std::nullopt;
      std::memcpy(buf, scope.data(), scope.size());
      buf[scope.size()] = '\0';
      unsigned id = ::if_nametoindex(buf);
      if (id == 0) return std::nullopt;
      sin6->sin6_scope_id = id;
    }
  }
  a.set_port(port);
  return a;
}

std::optional<InetAddress> InetAddress::parse(std::string_view text) {
  if (all_digits(text)) {  // "8080"
    auto port = parse_port(text);
    if (!port) return std::nullopt;
    return any(*port);
  }
  if (!text.empty() && text.front() == '[') {  // "[::1]:8080"
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    std::string_view host = text.substr(1, close - 1);
    auto port = parse_port(text.substr(close + 2));
    if (!port || host.find(':') == std::string_view::npos) return std::nullopt;
    return from_host_port(host, *port);
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  auto port = parse_port(text.substr(colon + 1));
  if (!port) return std::nullopt;
  if (host.empty() || host == "*") return any(*port);
  // An unbracketed IPv6 address ("::1:80") is ambiguous; only IPv4 is accepted bare.
  if (host.find(':') != std::string_view::npos) return std::nullopt;
  return from_host_port(host, *port);
}

std::optional<InetAddress> InetAddress::from_sockaddr(const sockaddr* addr, uint32_t len) {
  if (addr == nullptr) return std::nullopt;
  InetAddress a;
  if (addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    std::memcpy(a.storage_, addr, sizeof(sockaddr_in));
    return a;
  }
  if (addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    std::memcpy(a.storage_, addr, sizeof(sockaddr_in6));
    return a;
  }
  return std::nullopt;
}

InetAddress::Family InetAddress::family() const {
  return reinterpret_cast<const sockaddr*>(storage_)->sa_family == AF_INET6 ? Family::kIPv6
                                                                            : Family::kIPv4;
}

int InetAddress::af() const { return is_ipv6() ? AF_INET6 : AF_INET; }

uint16_t InetAddress::port() const {
  if (is_ipv6()) return ntohs(reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(storage_)->sin_port);
}

void InetAddress::set_port(uint16_t port) {
  if (is_ipv6()) {
    reinterpret_cast<sockaddr_in6*>(storage_)->sin6_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in*>(storage_)->sin_port = htons(port);
  }
}

bool InetAddress::is_any() const {
  if (is_ipv6()) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(storage_);
    return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
  }
  return reinterpret_cast<const sockaddr_in*>(storage_)->sin_addr.s_addr == htonl(INADDR_ANY);
}

bool InetAddress::is_loopback() const {
  if (is_ipv6()) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(storage_);
    return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
  }
  uint32_t addr = ntohl(reinterpret_cast<const sockaddr_in*>(storage_)->sin_addr.s_addr);
  return (addr >> 24) == 127;
}

std::string InetAddress::host_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_ipv6()) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_addr, buf,
                sizeof buf);
  } else {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(storage_)->sin_addr, buf,
                sizeof buf);
  }
  return buf;
}

std::string InetAddress::to_string() const {
  std::string out;
  if (is_ipv6()) {
    out = "[" + host_string();
    uint32_t scope = reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_scope_id;
    if (scope != 0) out += "%" + std::to_string(scope);
    out += "]";
  } else {
    out = host_string();
  }
  out += ':';
  out += std::to_string(port());
  return out;
}

const sockaddr* InetAddress::sockaddr_ptr() const {
  return reinterpret_cast<const sockaddr*>(storage_);
}
sockaddr* InetAddress::sockaddr_ptr() { return reinterpret_cast<sockaddr*>(storage_); }

uint32_t InetAddress::sockaddr_len() const {
  return is_ipv6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

bool operator==(const InetAddress& a, const InetAddress& b) {
  if (a.family() != b.family() || a.port() != b.port()) return false;
  if (a.is_ipv6()) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(a.storage_);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(b.storage_);
    return std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
           x->sin6_scope_id == y->sin6_scope_id;
  }
  return reinterpret_cast<const sockaddr_in*>(a.storage_)->sin_addr.s_addr ==
         reinterpret_cast<const sockaddr_in*>(b.storage_)->sin_addr.s_addr;
}

}  // namespace portico::net
