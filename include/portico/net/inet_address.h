// InetAddress: an IPv4 or IPv6 socket address (host + port), parsed from "host:port" text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;  // <sys/socket.h>; kept out of public headers

namespace portico::net {

class InetAddress {
 public:
  enum class Family { kIPv4, kIPv6 };

  // 0.0.0.0:0
  InetAddress();

  // Parses a numeric address (no DNS: resolving blocks, and the net layer never blocks):
  //   "127.0.0.1:8080", "[::1]:8080", "[fe80::1%eth0]:80" (scope by name or number),
  //   "*:80" or ":80" or "80" (IPv4 any address), "[::]:80" (IPv6 any).
  // The port must be decimal 0..65535. Returns nullopt for anything else.
  static std::optional<InetAddress> parse(std::string_view text);
  // Numeric host and separate port ("::1", 8080).
  static std::optional<InetAddress> from_host_port(std::string_view host, uint16_t port);
  static InetAddress any(uint16_t port, Family family = Family::kIPv4);
  static InetAddress loopback(uint16_t port, Family family = Family::kIPv4);
  // Copies a kernel-filled address (AF_INET/AF_INET6; others give nullopt).
  static std::optional<InetAddress> from_sockaddr(const sockaddr* addr, uint32_t len);

  Family family() const;
  bool is_ipv6() const { return family() == Family::kIPv6; }
  int af() const;  // AF_INET or AF_INET6
  uint16_t port() const;
  void set_port(uint16_t port);
  bool is_any() const;
  bool is_loopback() const;

  // "127.0.0.1" or "::1" (no brackets).
  std::string host_string() const;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string to_string() const;

  const sockaddr* sockaddr_ptr() const;
  sockaddr* sockaddr_ptr();
  uint32_t sockaddr_len() const;  // socklen_t

  friend bool operator==(const InetAddress& a, const InetAddress& b);

 private:
  // Storage big and aligned enough for sockaddr_in6 (checked in the .cpp).
  alignas(8) unsigned char storage_[28] = {};
};

}  // namespace portico::net
