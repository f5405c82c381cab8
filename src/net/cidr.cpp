// Cidr and NetworkSet: parsing of prefix notation and interval-based membership tests.
#include "portico/net/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace portico::net {
namespace {

uint64_t load_be64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void store_be64(uint64_t v, unsigned char* p) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

// RFC 4291 2.5.5.2: ::ffff:a.b.c.d carries an IPv4 address.
bool is_v4_mapped(uint64_t hi, uint64_t lo) { return hi == 0 && (lo >> 32) == 0xffffu; }

uint32_t v4_mask(int len) { return len == 0 ? 0u : ~uint32_t{0} << (32 - len); }

// The high and low 64-bit halves of an IPv6 prefix mask.
uint64_t v6_mask_hi(int len) {
  if (len >= 64) return ~uint64_t{0};
  return len == 0 ? 0 : ~uint64_t{0} << (64 - len);
}
uint64_t v6_mask_lo(int len) {
  if (len <= 64) return 0;
  return len == 128 ? ~uint64_t{0} : ~uint64_t{0} << (128 - len);
}

std::optional<int> parse_prefix_length(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

void set_error(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

}  // namespace

// ---- IpAddress ----

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (text.find(':') == std::string_view::npos) {
    in_addr v4{};
    // glibc's inet_pton takes only four dotted decimal parts without leading zeros: no octal or
    // "10.1" short forms that inet_aton would read differently from what a human means.
    if (::inet_pton(AF_INET, buf, &v4) != 1) return std::nullopt;
    a.lo_ = ntohl(v4.s_addr);
    return a;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  a.hi_ = load_be64(v6.s6_addr);
  a.lo_ = load_be64(v6.s6_addr + 8);
  if (is_v4_mapped(a.hi_, a.lo_)) {
    a.lo_ &= 0xffffffffu;
  } else {
    a.ipv4_ = false;
  }
  return a;
}

IpAddress IpAddress::from(const InetAddress& address) {
  IpAddress a;
  const sockaddr* sa = address.sockaddr_ptr();
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    a.hi_ = load_be64(sin6->sin6_addr.s6_addr);
    a.lo_ = load_be64(sin6->sin6_addr.s6_addr + 8);
    if (is_v4_mapped(a.hi_, a.lo_)) {
      a.lo_ &= 0xffffffffu;
    } else {
      a.ipv4_ = false;
    }
    return a;
  }
  a.lo_ = ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr);
  return a;
}

IpAddress IpAddress::ipv4(uint32_t host_order) {
  IpAddress a;
  a.lo_ = host_order;
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ipv4_) {
    in_addr v4{};
    v4.s_addr = htonl(static_cast<uint32_t>(lo_));
    ::inet_ntop(AF_INET, &v4, buf, sizeof buf);
  } else {
    in6_addr v6{};
    store_be64(hi_, v6.s6_addr);
    store_be64(lo_, v6.s6_addr + 8);
    ::inet_ntop(AF_INET6, &v6, buf, sizeof buf);
  }
  return buf;
}

InetAddress IpAddress::to_inet_address(uint16_t port) const {
  sockaddr_storage ss{};
  uint32_t len = 0;
  if (ipv4_) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(static_cast<uint32_t>(lo_));
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    store_be64(hi_, sin6->sin6_addr.s6_addr);
    store_be64(lo_, sin6->sin6_addr.s6_addr + 8);
    len = sizeof(sockaddr_in6);
  }
  return *InetAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
}

// ---- Cidr ----

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
  size_t slash = text.find('/');
  std::string_view addr_text = text.substr(0, slash);
  auto addr = IpAddress::parse(addr_text);
  if (!addr) {
    set_error(error, addr_text.empty() ? "missing address" : "not an IPv4 or IPv6 address");
    return std::nullopt;
  }
  const bool written_as_v6 = addr_text.find(':') != std::string_view::npos;
  const int max_len = written_as_v6 ? 128 : 32;
  int len = max_len;
  if (slash != std::string_view::npos) {
    auto parsed = parse_prefix_length(text.substr(slash + 1));
    if (!parsed || *parsed > max_len) {
      set_error(error, "prefix length must be 0.." + std::to_string(max_len));
      return std::nullopt;
    }
    len = *parsed;
  }
  if (written_as_v6 && addr->is_ipv4()) {
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8; a shorter prefix would reach outside the mapped block.
    if (len < 96) {
      set_error(error, "an IPv4-mapped network needs a prefix length of at least 96");
      return std::nullopt;
    }
    len -= 96;
  }
  Cidr c = of(*addr, len);
  if (!(c.network_ == *addr)) {
    set_error(error, "host bits set (the network is " + c.to_string() + ")");
    return std::nullopt;
  }
  return c;
}

Cidr Cidr::of(const IpAddress& address, int prefix_length) {
  Cidr c;
  const int max_len = address.is_ipv4() ? 32 : 128;
  c.prefix_length_ = std::clamp(prefix_length, 0, max_len);
  c.network_ = address;
  if (address.is_ipv4()) {
    c.network_.lo_ = address.lo_ & v4_mask(c.prefix_length_);
  } else {
    c.network_.hi_ = address.hi_ & v6_mask_hi(c.prefix_length_);
    c.network_.lo_ = address.lo_ & v6_mask_lo(c.prefix_length_);
  }
  return c;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.is_ipv4() != network_.is_ipv4()) return false;
  if (address.is_ipv4()) {
    return (address.lo() & v4_mask(prefix_length_)) == network_.lo();
  }
  return (address.hi() & v6_mask_hi(prefix_length_)) == network_.hi() &&
         (address.lo() & v6_mask_lo(prefix_length_)) == network_.lo();
}

std::string Cidr::to_string() const {
  return network_.to_string() + "/" + std::to_string(prefix_length_);
}

// ---- NetworkSet ----

NetworkSet::NetworkSet(std::span<const Cidr> networks) {
  for (const Cidr& c : networks) insert(c);
  normalize();
}

std::optional<NetworkSet> NetworkSet::parse(std::span<const std::string> entries,
                                            std::string* error) {
  std::vector<Cidr> cidrs;
  cidrs.reserve(entries.size());
  for (const std::string& e : entries) {
    std::string why;
    auto c = Cidr::parse(e, &why);
    if (!c) {
      set_error(error, "'" + e + "': " + why);
      return std::nullopt;
    }
    cidrs.push_back(*c);
  }
  return NetworkSet(cidrs);
}

void NetworkSet::insert(const Cidr& network) {
  if (std::find(networks_.begin(), networks_.end(), network) != networks_.end()) return;
  networks_.push_back(network);
  const IpAddress& n = network.network();
  const int len = network.prefix_length();
  if (n.is_ipv4()) {
    uint32_t first = static_cast<uint32_t>(n.lo());
    v4_.push_back({first, first | ~v4_mask(len)});
  } else {
    v6_.push_back({{n.hi(), n.lo()}, {n.hi() | ~v6_mask_hi(len), n.lo() | ~v6_mask_lo(len)}});
  }
}

void NetworkSet::normalize() {
  // Sort by start and merge ranges that overlap or touch, so contains() needs one binary
  // search. "Touch" is last + 1 == next.first, written to avoid overflow at the top address.
  std::sort(v4_.begin(), v4_.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<V4Range> v4;
  for (const V4Range& r : v4_) {
    if (!v4.empty() && (v4.back().last == UINT32_MAX || r.first <= v4.back().last + 1)) {
      v4.back().last = std::max(v4.back().last, r.last);
    } else {
      v4.push_back(r);
    }
  }
  v4_ = std::move(v4);

  std::sort(v6_.begin(), v6_.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<V6Range> v6;
  for (const V6Range& r : v6_) {
    if (!v6.empty()) {
      U128 last = v6.back().last;
      U128 next = last.lo == UINT64_MAX ? U128{last.hi + 1, 0} : U128{last.hi, last.lo + 1};
      const bool at_top = last.hi == UINT64_MAX && last.lo == UINT64_MAX;
      if (at_top || r.first <= next) {
        v6.back().last = std::max(v6.back().last, r.last);
        continue;
      }
    }
    v6.push_back(r);
  }
  v6_ = std::move(v6);
}

void NetworkSet::add(const Cidr& network) {
  insert(network);
  normalize();
}

void NetworkSet::add(const NetworkSet& other) {
  for (const Cidr& c : other.networks_) insert(c);
  normalize();
}

bool NetworkSet::contains(const IpAddress& address) const {
  if (address.is_ipv4()) {
    const auto a = static_cast<uint32_t>(address.lo());
    auto it = std::upper_bound(v4_.begin(), v4_.end(), a,
                               [](uint32_t v, const V4Range& r) { return v < r.first; });
    return it != v4_.begin() && a <= std::prev(it)->last;
  }
  const U128 a{address.hi(), address.lo()};
  auto it = std::upper_bound(v6_.begin(), v6_.end(), a,
                             [](const U128& v, const V6Range& r) { return v < r.first; });
  return it != v6_.begin() && a <= std::prev(it)->last;
}

std::string NetworkSet::to_string() const {
  std::string out;
  for (const Cidr& c : networks_) {
    if (!out.empty()) out += ", ";
    out += c.to_string();
  }
  return out;
}

namespace {

NetworkSet from_literals(std::initializer_list<const char*> texts) {
  std::vector<Cidr> cidrs;
  for (const char* t : texts) cidrs.push_back(*Cidr::parse(t));  // literals below are valid
  return NetworkSet(cidrs);
}

}  // namespace

NetworkSet NetworkSet::loopback() { return from_literals({"127.0.0.0/8", "::1"}); }

NetworkSet NetworkSet::link_local() { return from_literals({"169.254.0.0/16", "fe80::/10"}); }

NetworkSet NetworkSet::private_use() {
  return from_literals({"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"});
}

NetworkSet NetworkSet::non_public() {
  NetworkSet s = from_literals({
      "0.0.0.0/8",
      "100.64.0.0/10",
      "192.0.0.0/24",
      "192.0.2.0/24",
      "198.18.0.0/15",
      "198.51.100.0/24",
      "203.0.113.0/24",
      "224.0.0.0/4",
      "240.0.0.0/4",
      "::/128",
      "64:ff9b::/96",
      "64:ff9b:1::/48",
      "100::/64",
      "2001::/32",
      "2001:db8::/32",
      "2002::/16",
      "ff00::/8",
  });
  s.add(loopback());
  s.add(link_local());
  s.add(private_use());
  return s;
}

}  // namespace portico::net
