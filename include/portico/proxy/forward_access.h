// Public: the forward proxy's target parsing and access rules (ports, destination networks and
// host names, client networks), as pure functions over one immutable rule set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/cidr.h"

namespace portico::proxy {

// A CONNECT or absolute-form target: host (brackets removed from an IPv6 literal, lower-cased)
// and port.
struct ProxyTarget {
  std::string host;
  uint16_t port = 0;
  bool ip_literal = false;  // host is an IPv4 or IPv6 address, not a name

  // "host:port", with brackets around an IPv6 host (for logs and Host fields).
  std::string authority() const;
};

// Why a target could not be used. Each maps to 400 (see forward_proxy.cpp).
enum class TargetError : uint8_t {
  kNone,
  kMissingPort,  // CONNECT needs "host:port" (RFC 9110 9.3.6)
  kBadPort,      // not 1..65535, or not plain digits
  kUserInfo,     // "user@host": never part of a proxy target (RFC 9110 4.2.4)
  kBadHost,      // empty, or not a reg-name / IP literal
};
std::string_view to_string(TargetError e);

// Parses an authority "host:port" / "[v6]:port". With `default_port` 0 the port is required
// (CONNECT); otherwise a missing port takes it (absolute-form "http://host/").
TargetError parse_proxy_target(std::string_view authority, uint16_t default_port, ProxyTarget& out);

// The rules as configured, before compilation. Defaults: ports 443 and 80, every non-public
// destination denied (loopback, link-local, private ranges and the rest of
// NetworkSet::non_public()), every client admitted.
struct ForwardAccessOptions {
  std::vector<uint16_t> allowed_ports = {443, 80};
  // Exceptions to the default denial of non-public ranges ("127.0.0.0/8" lets the proxy reach
  // loopback). They never override deny_networks.
  std::vector<std::string> allow_networks;
  // Destinations refused in addition to the non-public ranges.
  std::vector<std::string> deny_networks;
  // Host names: "example.com" matches that name, "*.example.com" / ".example.com" any name
  // below it. Non-empty allow_hosts: only matching names (and IP literals by network rules).
  std::vector<std::string> allow_hosts;
  std::vector<std::string> deny_hosts;
  // Clients allowed to use the proxy; empty: any client.
  std::vector<std::string> client_networks;
};

// The outcome of a rule check; kAllowed or why not (each becomes 403 with that reason).
enum class AccessVerdict : uint8_t {
  kAllowed,
  kPortDenied,     // the port is not in allowed_ports
  kHostDenied,     // the name matches deny_hosts, or allow_hosts is set and it does not match
  kNetworkDenied,  // the (resolved) address is in a denied network
  kClientDenied,   // the client is not in client_networks
};
std::string_view to_string(AccessVerdict v);

// Compiled, immutable rules; safe to share between threads.
class ForwardAccess {
 public:
  // Throws std::invalid_argument naming the bad entry ("allow_networks: '10.0.0.1/8': ...").
  explicit ForwardAccess(const ForwardAccessOptions& options);

  AccessVerdict check_client(const net::IpAddress& client) const;
  // Port and host-name rules, before resolution.
  AccessVerdict check_target(const ProxyTarget& target) const;
  // Network rules on one address: what the name resolved to (checked again after DNS, so a
  // name that resolves to a private address is refused: DNS rebinding).
  AccessVerdict check_address(const net::IpAddress& address) const;

  const std::vector<uint16_t>& allowed_ports() const { return ports_; }

 private:
  static bool host_matches(std::string_view host, const std::vector<std::string>& patterns);

  std::vector<uint16_t> ports_;  // sorted
  net::NetworkSet allowed_;      // explicit exceptions
  net::NetworkSet denied_;       // explicit denials
  net::NetworkSet default_denied_;
  std::vector<std::string> allow_hosts_;  // lower-case; ".suffix" for wildcards
  std::vector<std::string> deny_hosts_;
  std::optional<net::NetworkSet> clients_;
};

}  // namespace portico::proxy
