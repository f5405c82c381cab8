// The reverse proxy as an asynchronous HTTP handler: each request goes to an upstream server
// chosen by the route's balancer, streamed both ways, with retries, health and keep-alive pools.
#pragma once

#include <vector>

#include "portico/http/exchange.h"
#include "portico/http/server_status.h"
#include "portico/proxy/proxy_options.h"

namespace portico::proxy {

// Builds the handler of one proxy route. Throws std::invalid_argument with
// ProxyOptions::validate()'s message (or a TLS setup error for an https upstream) at config
// time. Copies of the handler share the route; each worker loop gets its own servers, balancer,
// health state, resolver and connection pool on its first request (no locks on the request
// path). When the last copy is destroyed, each loop's state winds down within a second.
//
// Errors are answered in the seed's terms: a refused or reset upstream or an invalid response
// 502 Bad Gateway, a connect/send/read timeout 504 Gateway Timeout, no server up 503 Service
// Unavailable with Retry-After; the access log note names the upstream and the reason.
http::AsyncHandler make_proxy_handler(ProxyOptions options);

// Appends the upstream servers of every proxy route the calling loop has served: health, active
// requests, picks and failures as this loop sees them (each loop has its own view). An
// http::UpstreamProbe for the status page; call it on a serving loop's thread.
void append_upstream_status(std::vector<http::UpstreamStatus>& out);

// RFC 9110 9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE may be repeated without a different
// effect, so a failed attempt may be retried on another server.
bool is_idempotent(http::Method method);

}  // namespace portico::proxy
