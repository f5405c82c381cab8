// The effective client address: the TCP peer, or, when the peer is a trusted proxy, the
// address it reports in X-Forwarded-For or Forwarded. What access rules, rate limits and the
// access log use.
//
//   http::TrustedProxies trusted{.networks = {*net::Cidr::parse("10.0.0.0/8")}};
//   net::IpAddress client = http::client_address(request, trusted);
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "portico/http/request.h"
#include "portico/net/cidr.h"

namespace portico::http {

// Which field a trusted proxy writes. Only one is read: a proxy that appends to
// X-Forwarded-For but passes a client's own Forwarded field through untouched would otherwise
// let that client choose its address.
enum class ForwardedField : uint8_t {
  kXForwardedFor,  // X-Forwarded-For: client, proxy1, proxy2 (de facto standard)
  kForwarded,      // Forwarded: for=client, for="[2001:db8::1]:4711" (RFC 7239)
};

struct TrustedProxies {
  // Direct peers whose forwarding field is believed. Empty: the peer is always the client and
  // the fields are ignored.
  net::NetworkSet networks;
  ForwardedField field = ForwardedField::kXForwardedFor;
};

// The peer address unless the peer is in `trusted.networks`; then the field's entries are read
// from right to left (RFC 7239 4: each proxy appends; several field lines are one list, RFC
// 9110 5.3) skipping trusted addresses, and the first untrusted one is the client. When every
// entry is trusted, the leftmost one. An entry that is not an address ("unknown", an
// obfuscated "_node", garbage) stops the walk: nothing to its left can be verified, so the
// client is the last trusted hop reached (the peer when it is the rightmost entry).
net::IpAddress client_address(const Request& request, const TrustedProxies& trusted);

// The same over the field values (in the order they appear) and the peer; for tests and callers
// that hold the fields elsewhere.
net::IpAddress client_address(const net::IpAddress& peer,
                              std::span<const std::string_view> field_values,
                              const TrustedProxies& trusted);

// One list element's address: X-Forwarded-For "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
// "[2001:db8::1]:4711"; Forwarded node values after unquoting (RFC 7239 6). nullopt for
// anything else.
std::optional<net::IpAddress> parse_forwarded_node(std::string_view node);

// The for= value of one Forwarded element ("for=192.0.2.60;proto=http"), unquoted; empty when
// the element has no for parameter or is malformed.
std::string_view forwarded_for_parameter(std::string_view element, std::string& unquoted);

}  // namespace portico::http
