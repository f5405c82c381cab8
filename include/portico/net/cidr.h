// Cidr and NetworkSet: IPv4/IPv6 networks in prefix notation and fast membership tests.
#pragma once

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/inet_address.h"

namespace portico::net {

// An IP address without a port, the unit CIDR matching works on. An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 peer) IS the IPv4 address here,
// so one rule "10.0.0.0/8" covers a peer whichever socket family accepted it.
class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  // "10.1.2.3", "2001:db8::1", "::ffff:10.1.2.3" (becomes IPv4). No brackets, port or zone.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress from(const InetAddress& address);
  static IpAddress ipv4(uint32_t host_order);

  bool is_ipv4() const { return ipv4_; }
  // IPv4: the address in the low 32 bits of lo(); IPv6: 128 bits as hi():lo().
  uint64_t hi() const { return hi_; }
  uint64_t lo() const { return lo_; }

  // "10.1.2.3" or "2001:db8::1" (RFC 5952 text via inet_ntop).
  std::string to_string() const;
  // A socket address with this host (IPv4 as AF_INET) and `port`.
  InetAddress to_inet_address(uint16_t port = 0) const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) = default;

 private:
  friend class Cidr;
  uint64_t hi_ = 0;
  uint64_t lo_ = 0;
  bool ipv4_ = true;
};

// One network: an address and a prefix length ("10.0.0.0/8", "2001:db8::/32").
class Cidr {
 public:
  // Parses "ADDR/LEN" or a bare "ADDR" (= /32 or /128). Host bits below the prefix must be
  // zero ("10.0.0.1/8" is refused: it is almost always a typo for a host or a network), the
  // length decimal without sign or leading zeros. "::ffff:10.0.0.0/104" is the IPv4 network
  // 10.0.0.0/8. On failure returns nullopt and, if `error` is given, says why in one phrase.
  static std::optional<Cidr> parse(std::string_view text, std::string* error = nullptr);
  // The network of `address` with `prefix_length` bits (host bits cleared; length clamped).
  static Cidr of(const IpAddress& address, int prefix_length);

  bool is_ipv4() const { return network_.is_ipv4(); }
  const IpAddress& network() const { return network_; }
  int prefix_length() const { return prefix_length_; }

  bool contains(const IpAddress& address) const;
  bool contains(const InetAddress& address) const { return contains(IpAddress::from(address)); }

  // Canonical text: "10.0.0.0/8", "2001:db8::/32".
  std::string to_string() const;

  friend bool operator==(const Cidr& a, const Cidr& b) = default;

 private:
  IpAddress network_;
  int prefix_length_ = 0;
};

// A set of networks with an O(log n), allocation-free contains(): the networks are kept as
// sorted, merged address intervals per family, so overlapping or adjacent entries cost nothing.
// Immutable once built and safe to share between threads for reading.
class NetworkSet {
 public:
  NetworkSet() = default;
  explicit NetworkSet(std::span<const Cidr> networks);
  NetworkSet(std::initializer_list<Cidr> networks)
      : NetworkSet(std::span<const Cidr>(networks.begin(), networks.size())) {}

  // Parses every entry with Cidr::parse. On the first bad entry returns nullopt and sets
  // `error` to "'TEXT': why".
  static std::optional<NetworkSet> parse(std::span<const std::string> entries,
                                         std::string* error = nullptr);

  // Well-known special-purpose ranges (RFC 6890 registry), for forward-proxy style egress
  // checks that must keep clients away from the proxy's own networks.
  static NetworkSet loopback();     // 127.0.0.0/8, ::1/128
  static NetworkSet link_local();   // 169.254.0.0/16, fe80::/10
  static NetworkSet private_use();  // 10/8, 172.16/12, 192.168/16, fc00::/7 (RFC 1918, 4193)
  // Everything that is not a globally routable unicast address: the three sets above plus
  // "this network" 0/8 and ::/128, shared address space 100.64/10 (RFC 6598), IETF protocol
  // assignments 192.0.0.0/24, documentation ranges, benchmarking 198.18/15, multicast 224/4
  // and ff00::/8, reserved 240/4 (includes broadcast), NAT64 64:ff9b::/96, 6to4 2002::/16,
  // Teredo 2001::/32 and documentation 2001:db8::/32. Addresses inside NAT64/6to4/Teredo
  // embed an IPv4 address that may be private, so the whole prefixes are refused.
  static NetworkSet non_public();

  void add(const Cidr& network);  // O(n): meant for building, not for the request path
  void add(const NetworkSet& other);

  bool contains(const IpAddress& address) const;
  bool contains(const InetAddress& address) const { return contains(IpAddress::from(address)); }

  bool empty() const { return networks_.empty(); }
  // The networks as added (duplicates dropped), for logs and the status page.
  const std::vector<Cidr>& networks() const { return networks_; }
  // "10.0.0.0/8, ::1/128" ("" when empty).
  std::string to_string() const;

 private:
  struct U128 {
    uint64_t hi;
    uint64_t lo;
    friend auto operator<=>(const U128&, const U128&) = default;
  };
  struct V4Range {
    uint32_t first;
    uint32_t last;
  };
  struct V6Range {
    U128 first;
    U128 last;
  };
  std::vector<Cidr> networks_;
  std::vector<V4Range> v4_;  // sorted by first, disjoint and non-adjacent
  std::vector<V6Range> v6_;
  void insert(const Cidr& network);
  void normalize();
};

}  // namespace portico::net
