// ProxyOptions: everything one reverse-proxy route is configured with (upstreams, balancing,
// forwarding rules, timeouts, pool, retries, health), validated once at config load.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/proxy/balancer.h"
#include "portico/proxy/dns_resolver.h"
#include "portico/proxy/forward_headers.h"
#include "portico/proxy/response_parser.h"
#include "portico/proxy/upstream_health.h"

namespace portico::proxy {

// One upstream as configured: "http://host:port" (the port defaults to 80, 443 for https), the
// host a name or an IP literal ("http://[::1]:9000"). A path is allowed only in redirect mode,
// where the Location is built from it.
struct UpstreamTarget {
  std::string url;
  uint32_t weight = 1;
};

// A parsed upstream URL.
struct UpstreamUrl {
  bool https = false;
  std::string host;       // without brackets
  uint16_t port = 0;      // explicit or the scheme's default
  std::string authority;  // "host:port" ("[::1]:9000"), as UpstreamServer::address wants it
  std::string path;       // "" or the path after the authority ("/app")
};

// Parses "http://host[:port][/path]". nullopt with `error` set on anything else (userinfo,
// query, fragment, an unknown scheme, a bad port).
std::optional<UpstreamUrl> parse_upstream_url(std::string_view url, std::string* error);

// Parses the command line's "URL[;weight=N]" form.
std::optional<UpstreamTarget> parse_upstream_target(std::string_view spec, std::string* error);

// Where the consistent-hash key (BalancePolicy::kConsistentHash) comes from.
enum class HashKeySource : uint8_t { kPath, kHeader, kCookie };

struct ProxyOptions {
  std::vector<UpstreamTarget> upstreams;
  BalancePolicy balance = BalancePolicy::kRoundRobin;
  // Redirect-based load balancing: answer 302 with the chosen upstream's URL plus the
  // request's path and query instead of forwarding (`balance` still chooses).
  bool redirect = false;
  HashKeySource hash_key = HashKeySource::kPath;
  std::string hash_key_name;  // the header or cookie name for kHeader / kCookie
  std::string sticky_cookie = "portico_upstream";
  BalancerOptions balancer;
  ForwardOptions forward;

  uint32_t connect_timeout_ms = 5'000;  // TCP connect, per attempt (504 after)
  uint32_t send_timeout_ms = 60'000;    // the upstream not taking request bytes (504 after)
  uint32_t read_timeout_ms = 60'000;    // waiting for response bytes (504 after)
  // Idle keep-alive connections kept per upstream server and per worker, and how long each
  // may stay idle before it is closed.
  // The pool's name on the status page and in metrics (portico_upstream_up{pool=...}); empty:
  // "proxy-N".
  std::string name;
  uint32_t pool_max_idle = 32;
  uint32_t pool_idle_timeout_ms = 60'000;
  // Further servers tried after a failure before any response byte (idempotent requests).
  uint32_t max_retries = 2;
  // RFC 9110 9.2.2: POST (and PATCH, other non-idempotent methods) is not retried unless this
  // is set (the upstream may have acted on the first attempt).
  bool retry_post = false;
  // Request body bytes kept for replaying on a retry; a larger body is not retried once
  // streaming began beyond it.
  uint32_t replay_buffer_bytes = 64 * 1024;
  // Retry-After seconds of the 503 when no server is up.
  uint32_t retry_after_s = 5;
  // Tunnel 101 upgrades (WebSocket).
  bool allow_upgrade = true;

  // https upstreams: the certificate is verified against the system store (or tls_ca_file)
  // and the upstream's host name, which is also sent as SNI, unless tls_server_name says
  // otherwise. Turning verification off is for tests and trusted networks only.
  bool tls_verify = true;
  std::string tls_ca_file;
  std::string tls_server_name;

  PassiveHealthOptions passive_health;
  std::optional<ActiveCheckOptions> active_health;  // unset: no active checks
  DnsOptions dns;
  ResponseLimits response_limits;

  // Empty when usable; otherwise what is wrong, for a config error message.
  std::string validate() const;
};

// "round-robin" ... "sticky" as in parse_balance_policy, plus "redirect" (round-robin
// choosing, redirect answering). False on an unknown name.
bool apply_balance_name(std::string_view name, ProxyOptions& options);

}  // namespace portico::proxy
