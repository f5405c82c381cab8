// Public: the header rules of a forwarding proxy, as pure functions: hop-by-hop fields removed,
// X-Forwarded-*, RFC 7239 Forwarded and Via added, Host and path rewritten (RFC 9110 7.6).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "portico/http/headers.h"
#include "portico/http/parser.h"
#include "portico/net/inet_address.h"
#include "portico/proxy/response_parser.h"

namespace portico::proxy {

// The Host field sent upstream.
enum class HostMode : uint8_t {
  kPass,      // the client's Host (what nginx calls $host; the usual choice for virtual hosts)
  kUpstream,  // the upstream's own authority, e.g. "api.internal:9000"
  kFixed,     // ForwardOptions::fixed_host
};

// Per-route settings, validated once at config load (validate_forward_options).
struct ForwardOptions {
  HostMode host_mode = HostMode::kPass;
  std::string fixed_host;  // kFixed: "host" or "host:port"
  // Path rewriting, on the path as received (still percent-encoded), at a segment boundary:
  // with strip_prefix "/api", "/api/users" -> "/users" and "/api" -> "/", "/apix" is left
  // alone. add_prefix is then put in front: strip "/api" + add "/v2" maps "/api/x" to "/v2/x".
  std::string strip_prefix;
  std::string add_prefix;
  // X-Forwarded-For (client address), X-Forwarded-Proto (http/https), X-Forwarded-Host.
  bool x_forwarded = true;
  // RFC 7239 Forwarded: for=client;host=...;proto=... (and by= when forwarded_by is set).
  bool forwarded = true;
  // RFC 7239 6: the proxy's own node for "by=": an obfuscated identifier ("_edge1"), an IP
  // address, or "unknown". Empty: no "by=" parameter.
  std::string forwarded_by;
  // Whether the X-Forwarded-* and Forwarded fields a client sent are kept and appended to.
  // Only when every client is itself a trusted proxy: otherwise a client could claim any
  // address, so by default they are dropped and this proxy starts the chain.
  bool trust_incoming_forwarded = false;
  // RFC 9110 7.6.3: a proxy MUST add Via. The pseudonym stands in for this proxy's host name.
  bool via = true;
  std::string via_pseudonym = "portico";
  // The request id (the one the client sent when valid, else the one portico made; see
  // ServerOptions::request_id_header) is passed upstream in this field, replacing the client's,
  // so upstream logs can be joined with portico's. Empty: not sent.
  std::string request_id_header = "X-Request-Id";
  // Fields set on every upstream request after all of the above (a field of the same name is
  // replaced); an empty value removes the field instead.
  http::Headers set_request_headers;
};

// Empty when the options are usable; otherwise what is wrong, for a config error message.
std::string validate_forward_options(const ForwardOptions& options);

// What the proxy knows about the request beyond its head.
struct ForwardContext {
  net::InetAddress client;  // the peer address of the client connection
  bool client_tls = false;  // the request arrived over TLS
  // The upstream's authority ("10.0.0.1:9000", "api.internal") for HostMode::kUpstream.
  std::string_view upstream_authority;
  // Tunnelling an Upgrade (WebSocket): Upgrade is forwarded with "Connection: upgrade" instead
  // of being removed as hop-by-hop (RFC 9110 7.8).
  bool upgrade = false;
  // This request's id (http::Request::request_id()); empty: none is sent.
  std::string_view request_id;
};

// How the request body is framed on the upstream connection; the proxy re-frames, so the
// client's Content-Length / Transfer-Encoding are never copied.
enum class BodyFraming : uint8_t { kNone, kContentLength, kChunked };

// True for the fields that describe one connection and never cross a proxy (RFC 9110 7.6.1):
// Connection, Keep-Alive, Proxy-* (Proxy-Connection, Proxy-Authorization, ...), TE, Trailer,
// Transfer-Encoding, Upgrade. Fields named in a message's Connection field are hop-by-hop too.
bool is_hop_by_hop_field(std::string_view name);

// Rewrites `path` per strip_prefix/add_prefix (see ForwardOptions). A path the prefix does not
// match is returned unchanged; an empty result becomes "/".
std::string rewrite_path(std::string_view path, std::string_view strip_prefix,
                         std::string_view add_prefix);

// The client address as X-Forwarded-For shows it: "192.0.2.1", "2001:db8::1"; an IPv4-mapped
// IPv6 address (a dual-stack listener) as its IPv4 address.
std::string client_address_text(const net::InetAddress& address);
// RFC 7239 6: a node for "for="/"by=": "192.0.2.1", "\"[2001:db8::1]\"" (IPv6 is quoted, with
// brackets), an IPv4-mapped address as IPv4.
std::string forwarded_node(const net::InetAddress& address);
// Appends `value` to `out` as an RFC 7239 value: a token as is, anything else quoted with '"'
// and '\' escaped (RFC 9110 5.6.4).
void append_forwarded_value(std::string& out, std::string_view value);

// RFC 9110 7.6.2: a TRACE or OPTIONS with "Max-Forwards: 0" must be answered by this proxy
// instead of being forwarded.
bool max_forwards_exhausted(const http::RequestHead& request);

// Appends the upstream request head for `request` to `out`: the request line (always HTTP/1.1,
// origin-form, path rewritten), Host, the client's fields minus hop-by-hop ones and minus
// Expect (the proxy answers 100-continue itself), the forwarding fields, the configured fields,
// Max-Forwards decremented, the body framing, and the empty line.
void write_upstream_request_head(const http::RequestHead& request, const ForwardContext& context,
                                 const ForwardOptions& options, BodyFraming framing,
                                 uint64_t content_length, std::string& out);

// The upstream response's fields as the client should get them: hop-by-hop fields and those
// named in Connection removed (Upgrade kept for a 101 when `upgrade`), Transfer-Encoding removed
// (the proxy re-frames; Content-Length is kept), Via appended. `out` is cleared first.
void copy_response_headers(const ResponseHead& response, const ForwardOptions& options,
                           bool upgrade, http::Headers& out);

}  // namespace portico::proxy
