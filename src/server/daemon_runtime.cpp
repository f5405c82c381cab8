// Config -> serving state: sites and routes for the http layer, static file handlers, the log.
#include "server/daemon_runtime.h"

#include <string>

#include "portico/http/static_files.h"
#include "portico/proxy/forward_proxy.h"
#include "portico/proxy/proxy_handler.h"
#include "server/access_setup.h"

namespace portico::server {
namespace {

http::Handler static_handler(const StaticConfig& s) {
  http::StaticOptions o;
  o.root = s.root;
  o.index_files = s.index;
  o.browse = s.browse;
  o.allow_uploads = s.uploads;
  o.allow_dotfiles = s.dotfiles;
  o.allow_symlinks = s.symlinks;
  return http::StaticFiles(std::move(o));
}

http::Route build_route(const RouteConfig& rc, const SiteConfig& site,
                        const std::shared_ptr<http::Handler>& site_files) {
  http::Route r;
  r.path = rc.path;
  r.match = rc.match;
  r.methods = rc.methods;
  r.headers = rc.headers;
  r.cache_control = rc.cache_control;
  r.expires_secs = rc.expires_secs;
  r.max_body_bytes = rc.max_body_bytes;
  r.access = build_access_policy(rc.access);
  if (const auto* s = std::get_if<StaticConfig>(&rc.handler)) {
    r.action = static_handler(*s);
  } else if (const auto* red = std::get_if<RedirectConfig>(&rc.handler)) {
    std::string why;
    auto target = http::RedirectTemplate::parse(red->to, &why);
    if (!target) throw std::invalid_argument("redirect target '" + red->to + "': " + why);
    r.action = http::RedirectAction{static_cast<http::Status>(red->status), std::move(*target)};
  } else if (const auto* fixed = std::get_if<RespondConfig>(&rc.handler)) {
    r.action = http::FixedResponse{static_cast<http::Status>(fixed->status), fixed->body,
                                   fixed->content_type};
  } else if (const auto* po = std::get_if<proxy::ProxyOptions>(&rc.handler)) {
    // Per-loop state is built on each worker's first request; a reload builds a new route.
    proxy::ProxyOptions named = *po;
    if (named.name.empty()) {  // the status page's pool name: "host/path"
      named.name = (site.hosts.empty() ? std::string("default") : site.hosts.front()) + rc.path;
    }
    r.action = proxy::make_proxy_handler(std::move(named));
  } else {
    // The site's own static files (shared by every route that uses them).
    if (!site_files) throw std::invalid_argument("route '" + rc.path + "' has no handler");
    r.action = *site_files;
  }
  return r;
}

}  // namespace

http::SiteRouter build_site_router(const Config& config) {
  std::vector<http::Site> sites;
  for (const SiteConfig& sc : config.sites) {
    http::Site site;
    site.hosts = sc.hosts;
    site.canonical_host = sc.canonical_host;
    site.https_redirect = sc.https_redirect;
    site.https_port = sc.https_port;
    site.headers = sc.headers;
    site.hsts = sc.hsts;
    site.access = build_access_policy(sc.access);
    std::shared_ptr<http::Handler> files;
    if (sc.files) files = std::make_shared<http::Handler>(static_handler(*sc.files));
    bool has_root_route = false;
    for (const RouteConfig& rc : sc.routes) {
      site.routes.push_back(build_route(rc, sc, files));
      has_root_route = has_root_route || (rc.path == "/" && rc.match == http::PathMatch::kPrefix);
    }
    // A site with a root serves it for every path no route claims.
    if (files && !has_root_route) {
      http::Route all;
      all.path = "/";
      all.match = http::PathMatch::kPrefix;
      all.action = *files;
      site.routes.push_back(std::move(all));
    }
    sites.push_back(std::move(site));
  }
  http::SiteRouterOptions options;
  options.unknown_host_status = config.server.unknown_host_status;
  options.trusted_proxies =
      build_trusted_proxies(config.server.trusted_proxies, config.server.trusted_proxy_header);
  return http::SiteRouter(std::move(sites), options);
}

std::optional<AccessLogOptions> access_log_options(const Config& config) {
  const LogConfig& l = config.log;
  if (l.access_log.empty()) return std::nullopt;
  AccessLogOptions o;
  o.path = l.access_log;
  o.format = l.access_format;
  o.format_string = l.access_format_string;
  o.flush_interval_ms = l.flush_interval_ms;
  o.buffer_bytes = l.buffer_bytes;
  return o;
}

std::shared_ptr<const Runtime> build_runtime(std::shared_ptr<const Config> config,
                                             const Runtime* previous, uint64_t generation) {
  http::SiteRouter router = build_site_router(*config);
  std::shared_ptr<AccessLog> log;
  if (auto options = access_log_options(*config)) {
    if (previous && previous->access_log && previous->access_log->options() == *options) {
      log = previous->access_log;
    } else {
      log = std::make_shared<AccessLog>(*options);
    }
  }
  http::AsyncHandler forward_proxy;
  if (config->forward_proxy) {
    forward_proxy = proxy::make_forward_proxy_handler(*config->forward_proxy);
  }
  return std::make_shared<const Runtime>(Runtime{
      std::move(config), std::move(router), std::move(log), std::move(forward_proxy), generation});
}

}  // namespace portico::server
