// Virtual hosts and routes: picks a site by the request's Host, a route by its path, checks the
// route's methods and body limit, runs its action (a handler, a redirect or a fixed response)
// and applies its header edits. Built once from a config; read-only while serving.
//
//   http::Site site;
//   site.hosts = {"example.test", "*.example.test"};
//   site.routes.push_back({.path = "/old/", .action = http::RedirectAction{
//       Status::kMovedPermanently, *RedirectTemplate::parse("/new{path}{query}", &err)}});
//   http::SiteRouter router({std::move(site)});
//   server.set_handler(router);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "portico/http/access_policy.h"
#include "portico/http/client_address.h"
#include "portico/http/exchange.h"
#include "portico/http/headers.h"
#include "portico/http/method.h"
#include "portico/http/redirect_template.h"
#include "portico/http/request.h"
#include "portico/http/response.h"
#include "portico/http/router.h"
#include "portico/http/status.h"

namespace portico::http {

// How a route's path is compared with the request path (normalized: percent-decoded, dot
// segments resolved, so "/a/../admin/" and "/%61dmin/" both reach the "/admin/" route).
enum class PathMatch : uint8_t {
  kExact,   // the path and nothing else
  kPrefix,  // the path and everything beneath it: "/docs/" matches "/docs/" and "/docs/a";
            // "/api" matches "/api" and "/api/x" but not "/apix" (segment boundary)
};

struct RedirectAction {
  Status status = Status::kFound;  // 301, 302, 303, 307 or 308
  RedirectTemplate target;
};

struct FixedResponse {
  Status status = Status::kOk;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// Response header changes, applied after the action ran (to every status).
struct HeaderEdits {
  std::vector<Headers::Field> set;  // replaces fields of the same name
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && remove.empty(); }
};

struct Route {
  std::string path;  // starts with '/'
  PathMatch match = PathMatch::kPrefix;
  // Allowed methods; empty: the action decides. GET allows HEAD too (RFC 9110 9.1). Others get
  // 405 with Allow; OPTIONS gets 204 with Allow.
  std::vector<Method> methods;
  // An AsyncHandler (a proxy) takes the request at the end of its head and streams the body.
  std::variant<Handler, RedirectAction, FixedResponse, AsyncHandler> action;
  HeaderEdits headers;
  // Cache-Control (and Expires = now + expires_secs) for 2xx and 304 responses; empty: none.
  std::string cache_control;
  std::optional<int64_t> expires_secs;
  // Bodies larger than this get 413. The connection reads at most the server's max_body_bytes,
  // so this can only lower that limit.
  std::optional<uint64_t> max_body_bytes;
  // Allow/deny (403), rate limit (429), Basic auth (401). Each part left unset is the site's.
  AccessPolicy access;
};

struct Site {
  // Exact names ("example.test") and wildcards ("*.example.test": any name ending in
  // ".example.test", at any depth, but not "example.test" itself). Compared case-insensitively
  // without the port. Empty: the default site, for requests no other site claims.
  std::vector<std::string> hosts;
  std::vector<Route> routes;
  // Requests for another of this site's names are redirected (301) to this one, keeping the
  // port, path and query: www <-> bare domain consolidation.
  std::string canonical_host;
  // Requests that arrived without TLS are redirected (308, method kept) to https, keeping host,
  // path and query; the port becomes https_port (left out when 443). ACME HTTP-01 challenges
  // (/.well-known/acme-challenge/) are exempt.
  bool https_redirect = false;
  uint16_t https_port = 443;
  HeaderEdits headers;  // applied before the route's own edits
  // Strict-Transport-Security value for responses over TLS (never over plain HTTP, RFC 6797
  // 7.2), e.g. "max-age=31536000; includeSubDomains"; empty: none.
  std::string hsts;
  // For every request to the site (also 404 and 405 answers); routes may override each part.
  // Checked after the https and canonical-host redirects (no credentials over plain HTTP).
  AccessPolicy access;
};

struct SiteRouterOptions {
  // The answer when no site claims the Host and there is no default site (404 or 421).
  Status unknown_host_status = Status::kMisdirectedRequest;
  // Whose X-Forwarded-For / Forwarded is believed for the client address the access checks use.
  TrustedProxies trusted_proxies;
};

class SiteRouter {
 public:
  // Throws std::invalid_argument for an inconsistent table (two default sites, a host named by
  // two sites, two routes with the same path, match and a common method, a path that does not
  // start with '/'). A config loader reports those with file positions before building one.
  explicit SiteRouter(std::vector<Site> sites, SiteRouterOptions options = {});

  void dispatch(const Request& request, Response& response) const;
  void operator()(const Request& request, Response& response) const { dispatch(request, response); }
  // For a request (head only) whose route runs an AsyncHandler: that handler, wrapped to apply
  // the site's and route's response fields. nullptr when dispatch() answers the request
  // instead (a redirect, 404, 405, or a synchronous route). Give it to Server::set_async_lookup.
  // The route's access policy is checked here: a refused request gets nullptr and the following
  // dispatch() sends the 401/403/429 decided here (the check is not repeated, so a failed
  // login or a refused request counts once).
  const AsyncHandler* find_async(const Request& request) const;

  // The site for a Host value (port and case ignored), or nullptr.
  const Site* find_site(std::string_view host) const;
  // The most specific route group for a normalized path ("/a/b"): exact, then the longest
  // prefix. Every route in the returned list has the same path and match. Empty if none.
  std::vector<const Route*> find_routes(const Site& site, std::string_view normalized_path) const;

  size_t site_count() const;
  // The i-th site as built (i < site_count()), e.g. to show its routes' access limits.
  const Site& site(size_t i) const;
  const SiteRouterOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // shared: copies are cheap (a Handler may be copied)
};

// "Example.TEST:8080" -> "example.test", "[::1]:80" -> "[::1]"; a trailing dot is dropped.
std::string normalize_host(std::string_view host);

}  // namespace portico::http
