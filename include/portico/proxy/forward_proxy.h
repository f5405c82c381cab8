// The forward proxy as an asynchronous HTTP handler: CONNECT tunnels and absolute-form requests
// ("GET http://host/path"), behind access rules, proxy authentication and tunnel limits.
//
//   proxy::ForwardProxyOptions o;
//   o.access.allow_networks = {"127.0.0.0/8"};        // opt in to loopback targets
//   http::AsyncHandler h = proxy::make_forward_proxy_handler(o);
//   server.set_async_lookup([h](const http::Request& r) {
//     return proxy::is_forward_proxy_request(r) ? &h : nullptr;
//   });
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "portico/http/exchange.h"
#include "portico/http/request.h"
#include "portico/proxy/dns_resolver.h"
#include "portico/proxy/forward_access.h"
#include "portico/proxy/forward_headers.h"
#include "portico/proxy/response_parser.h"

namespace portico::proxy {

struct ForwardProxyOptions {
  ForwardAccessOptions access;
  // Proxy authentication: a user file as written by `portico passwd` (empty: none). Loaded at
  // make_forward_proxy_handler() time.
  std::string auth_file;
  std::string auth_realm = "portico proxy";

  uint32_t connect_timeout_ms = 10'000;  // per target connect; 504 after
  // A tunnel with no byte in either direction for this long is closed.
  uint32_t tunnel_idle_timeout_ms = 300'000;
  // Absolute-form requests: longest wait for upstream bytes, and while writing to it (504).
  uint32_t upstream_timeout_ms = 60'000;

  // Open tunnels at most, over all workers (503 beyond), and per client address (429 beyond).
  size_t max_tunnels = 10'000;
  size_t max_tunnels_per_client = 256;
  // Bytes a tunnel queues toward the target before it stops reading from the client (the
  // other direction uses http::Exchange::kWindowBytes). Memory per tunnel stays near twice
  // this plus the read budgets.
  size_t tunnel_window_bytes = 256 * 1024;

  DnsOptions dns;
  ResponseLimits response_limits;  // absolute-form: upstream response heads
  // Absolute-form: Via is added; X-Forwarded-* / Forwarded are not (a forward proxy does not
  // announce its clients to the sites they visit).
  std::string via_pseudonym = "portico";

  // Empty when usable; otherwise what is wrong (for config errors).
  std::string validate() const;
};

// Builds the handler. Throws std::invalid_argument (bad network/host entries, a bad user file
// with "FILE:LINE: what", bad limits) at config time. Every worker loop gets its own resolver
// on first use; the tunnel limits are shared.
//
// Statuses (RFC 9110 15): malformed target 400; proxy authentication missing or wrong 407 with
// Proxy-Authenticate; a denied client, port, host or network 403 with the reason in the body;
// too many tunnels 429 (per client) / 503 (total); a name that does not resolve or a refused /
// unreachable target 502; a connect timeout 504. The access log note carries the target, the
// address reached, the reason and, for tunnels, bytes each way and the duration.
http::AsyncHandler make_forward_proxy_handler(const ForwardProxyOptions& options);

// True for the requests a forward proxy serves: CONNECT and absolute-form targets.
bool is_forward_proxy_request(const http::Request& request);

}  // namespace portico::proxy
