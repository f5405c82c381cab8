// UpstreamName: the name a TLS client expects of its server (DNS name or IP literal).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::tls {

struct UpstreamName {
  std::string text;    // lowercase DNS name without a trailing dot, or an IP without brackets
  bool is_ip = false;  // IP literal: verified against IP SANs, never sent as SNI (RFC 6066 3)
};

// "Example.COM." -> example.com; "[::1]" -> ::1 (IP); "10.0.0.7" -> IP. nullopt for an empty
// name, a name over 253 bytes, an empty or over-63-byte label, or a character outside
// letters, digits, '-' and '_' (underscores appear in real internal names; '*' never names a
// host). A scoped IPv6 literal ("fe80::1%eth0") is rejected: certificates cannot name it.
std::optional<UpstreamName> parse_upstream_name(std::string_view name);

}  // namespace portico::tls
