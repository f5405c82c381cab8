// Site and route selection: Host -> site (exact, longest wildcard, default), normalized path ->
// route (exact, longest prefix), then methods, body limit, action and header edits.
#include "portico/http/site_router.h"

#include <ctime>
#include <functional>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "portico/base/log.h"
#include "portico/http/http_date.h"
#include "portico/http/path.h"

namespace portico::http {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using IndexMap = std::unordered_map<std::string, size_t, StringHash, std::equal_to<>>;

constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";

// Refusals decided by find_async() for the dispatch() that follows for the same request on this
// thread, so a check (a rate-limit rejection, a failed login) is counted once. Keyed by the
// connection id and the request head (the same object for the probe and the dispatch). A new
// lookup on a connection drops what was left for it, so an entry can never answer a later
// request; a few slots cover connections whose bodies are still arriving.
struct DeniedRequest {
  uint64_t connection_id = 0;
  const RequestHead* head = nullptr;
  std::optional<Response> response;
};
constexpr size_t kDeniedSlots = 8;
thread_local DeniedRequest t_denied[kDeniedSlots];
thread_local size_t t_denied_next = 0;

void forget_denied(const Request& req) {
  for (DeniedRequest& d : t_denied) {
    if (d.response && d.connection_id == req.connection().connection_id) d.response.reset();
  }
}

void remember_denied(const Request& req, Response refusal) {
  forget_denied(req);
  DeniedRequest& d = t_denied[t_denied_next];
  t_denied_next = (t_denied_next + 1) % kDeniedSlots;
  d = DeniedRequest{req.connection().connection_id, &req.head(), std::move(refusal)};
}

// The refusal find_async() decided for this request, consumed; nullopt if none.
std::optional<Response> take_denied(const Request& req) {
  for (DeniedRequest& d : t_denied) {
    if (d.response && d.connection_id == req.connection().connection_id && d.head == &req.head()) {
      std::optional<Response> out = std::move(d.response);
      d.response.reset();
      return out;
    }
  }
  return std::nullopt;
}

// Runs the policy's checks; false when `res` is now the refusal to send.
bool admit(const AccessPolicy& policy, const TrustedProxies& trusted, const Request& req,
           Response& res) {
  if (std::optional<Response> refusal = take_denied(req)) {
    res = std::move(*refusal);
    return false;
  }
  if (policy.empty()) return true;
  return check_access(policy, req, client_address(req, trusted), res) == AccessVerdict::kAllowed;
}

// Every route in a group shares path and match; their methods do not overlap.
struct RouteGroup {
  std::string path;
  PathMatch match = PathMatch::kPrefix;
  std::vector<size_t> routes;  // indices into Site::routes
  std::string allow;           // Allow value when every route lists methods; else ""
};

bool allows(const Route& r, Method m) {
  if (r.methods.empty()) return true;
  for (Method x : r.methods) {
    if (x == m || (m == Method::kHead && x == Method::kGet)) return true;
  }
  return false;
}

bool methods_overlap(const Route& a, const Route& b) {
  if (a.methods.empty() || b.methods.empty()) return true;
  for (Method x : a.methods) {
    if (allows(b, x)) return true;
  }
  for (Method x : b.methods) {
    if (allows(a, x)) return true;
  }
  return false;
}

std::string allow_value(const std::vector<const Route*>& routes) {
  static const Method order[] = {Method::kGet,   Method::kHead,   Method::kPost,
                                 Method::kPut,   Method::kDelete, Method::kOptions,
                                 Method::kTrace, Method::kConnect};
  std::string out;
  for (Method m : order) {
    bool listed = m == Method::kOptions;
    for (const Route* r : routes) {
      if (allows(*r, m)) listed = true;
    }
    if (!listed) continue;
    if (!out.empty()) out += ", ";
    out += to_string(m);
  }
  return out;
}

void apply_edits(const HeaderEdits& edits, Response& res) {
  for (const auto& name : edits.remove) res.headers().remove(name);
  for (const auto& f : edits.set) res.set_header(f.name, f.value);
}

// The site's own fields on every response it gives: its header edits, and HSTS on responses
// over TLS only (RFC 6797 7.2: a host must not send it over plain HTTP).
void apply_site_fields(const Site& site, const Request& req, Response& res) {
  apply_edits(site.headers, res);
  if (!site.hsts.empty() && req.is_secure() &&
      !res.headers().contains("Strict-Transport-Security")) {
    res.set_header("Strict-Transport-Security", site.hsts);
  }
}

bool cacheable_status(Status s) {
  int c = code(s);
  return (c >= 200 && c < 300) || c == 304;
}

// The route's header edits and caching fields, after its action answered.
void apply_route_fields(const Route& route, Response& res) {
  apply_edits(route.headers, res);
  if (!route.cache_control.empty() && cacheable_status(res.status())) {
    res.set_header("Cache-Control", route.cache_control);
    if (route.expires_secs) {
      res.set_header("Expires", format_http_date(std::time(nullptr) + *route.expires_secs).view());
    }
  }
}

// "/" + relative + "/" when the URL named a directory.
std::string routing_path(const PathResult& p) {
  std::string out = "/";
  out += p.relative();
  if (p.trailing_slash() && !p.relative().empty()) out += '/';
  return out;
}

// The port part of a Host value (":8080"), or "".
std::string_view host_port_suffix(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return {};
  size_t bracket = host.rfind(']');
  if (bracket != std::string_view::npos && bracket > colon) return {};
  return host.substr(colon);
}

}  // namespace

std::string normalize_host(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    size_t close = name.find(']');
    name = close == std::string_view::npos ? name : name.substr(0, close + 1);
  } else {
    size_t colon = name.rfind(':');
    if (colon != std::string_view::npos) name = name.substr(0, colon);
  }
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct SiteRouter::Impl {
  struct SiteEntry {
    Site site;
    std::vector<RouteGroup> groups;
    IndexMap exact;   // path -> group
    IndexMap prefix;  // path -> group
    // Per route: its AsyncHandler wrapped to apply the response fields (empty for others).
    std::vector<AsyncHandler> async;
    // Per route: its access policy with the parts it leaves unset taken from the site.
    std::vector<AccessPolicy> access;
  };
  std::vector<SiteEntry> sites;
  IndexMap exact_hosts;     // "example.test" -> site
  IndexMap wildcard_hosts;  // ".example.test" -> site
  std::optional<size_t> default_site;
  SiteRouterOptions options;
  bool has_async = false;  // some route runs an AsyncHandler

  const RouteGroup* find_group(const SiteEntry& s, std::string_view path,
                               std::string_view* rest) const;
  const SiteEntry* find_entry(std::string_view hostname) const;
};

SiteRouter::SiteRouter(std::vector<Site> sites, SiteRouterOptions options) {
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  for (size_t si = 0; si < sites.size(); ++si) {
    Impl::SiteEntry entry;
    entry.site = std::move(sites[si]);
    if (entry.site.hosts.empty()) {
      if (impl->default_site) throw std::invalid_argument("more than one default site");
      impl->default_site = si;
    }
    for (const auto& h : entry.site.hosts) {
      bool wildcard = h.size() > 2 && h[0] == '*' && h[1] == '.';
      std::string key =
          wildcard ? "." + normalize_host(std::string_view(h).substr(2)) : normalize_host(h);
      IndexMap& map = wildcard ? impl->wildcard_hosts : impl->exact_hosts;
      if (!map.emplace(key, si).second) {
        throw std::invalid_argument("host '" + h + "' is named by two sites");
      }
    }
    for (size_t ri = 0; ri < entry.site.routes.size(); ++ri) {
      const Route& r = entry.site.routes[ri];
      if (r.path.empty() || r.path[0] != '/') {
        throw std::invalid_argument("route path '" + r.path + "' does not start with '/'");
      }
      IndexMap& map = r.match == PathMatch::kExact ? entry.exact : entry.prefix;
      auto [it, added] = map.emplace(r.path, entry.groups.size());
      if (added) entry.groups.push_back(RouteGroup{r.path, r.match, {}, {}});
      RouteGroup& g = entry.groups[it->second];
      for (size_t other : g.routes) {
        if (methods_overlap(entry.site.routes[other], r)) {
          throw std::invalid_argument("two routes for '" + r.path + "' share a method");
        }
      }
      g.routes.push_back(ri);
    }
    for (RouteGroup& g : entry.groups) {
      std::vector<const Route*> rs;
      bool all_listed = true;
      for (size_t ri : g.routes) {
        rs.push_back(&entry.site.routes[ri]);
        all_listed = all_listed && !entry.site.routes[ri].methods.empty();
      }
      if (all_listed) g.allow = allow_value(rs);
    }
    impl->sites.push_back(std::move(entry));
  }
  // Now that the sites have their final addresses, wrap the asynchronous routes.
  for (Impl::SiteEntry& entry : impl->sites) {
    for (const Route& r : entry.site.routes) {
      entry.access.push_back(r.access.inherit(entry.site.access));
    }
    entry.async.resize(entry.site.routes.size());
    for (size_t ri = 0; ri < entry.site.routes.size(); ++ri) {
      const Route* route = &entry.site.routes[ri];
      const auto* inner = std::get_if<AsyncHandler>(&route->action);
      if (!inner) continue;
      impl->has_async = true;
      const Site* site = &entry.site;
      entry.async[ri] = [site, route, inner](std::shared_ptr<Exchange> ex) {
        Exchange* raw = ex.get();  // the filter is owned by the exchange: no cycle
        ex->set_response_filter([site, route, raw](Response& res) {
          apply_site_fields(*site, raw->request(), res);
          apply_route_fields(*route, res);
        });
        (*inner)(std::move(ex));
      };
    }
  }
  impl_ = std::move(impl);
}

size_t SiteRouter::site_count() const { return impl_->sites.size(); }

const Site& SiteRouter::site(size_t i) const { return impl_->sites.at(i).site; }

const SiteRouterOptions& SiteRouter::options() const { return impl_->options; }

const SiteRouter::Impl::SiteEntry* SiteRouter::Impl::find_entry(std::string_view name) const {
  if (!name.empty()) {
    if (auto it = exact_hosts.find(name); it != exact_hosts.end()) return &sites[it->second];
    // Leftmost dot first: the longest wildcard suffix wins.
    for (size_t dot = name.find('.'); dot != std::string_view::npos;
         dot = name.find('.', dot + 1)) {
      auto it = wildcard_hosts.find(name.substr(dot));
      if (it != wildcard_hosts.end()) return &sites[it->second];
    }
  }
  return default_site ? &sites[*default_site] : nullptr;
}

const Site* SiteRouter::find_site(std::string_view host) const {
  const Impl::SiteEntry* e = impl_->find_entry(normalize_host(host));
  return e ? &e->site : nullptr;
}

const RouteGroup* SiteRouter::Impl::find_group(const SiteEntry& s, std::string_view path,
                                               std::string_view* rest) const {
  if (auto it = s.exact.find(path); it != s.exact.end()) {
    *rest = path;
    return &s.groups[it->second];
  }
  if (s.prefix.empty()) return nullptr;
  auto try_prefix = [&](std::string_view key) -> const RouteGroup* {
    auto it = s.prefix.find(key);
    if (it == s.prefix.end()) return nullptr;
    // The remainder keeps its leading '/': prefix "/docs/" or "/docs" on "/docs/a" -> "/a".
    size_t cut = key.size() - (key.back() == '/' ? 1 : 0);
    *rest = path.substr(cut);
    return &s.groups[it->second];
  };
  if (const RouteGroup* g = try_prefix(path)) return g;
  // Longest first: at each '/', the prefix with that slash, then the one without it.
  for (size_t i = path.size(); i-- > 0;) {
    if (path[i] != '/') continue;
    if (i + 1 < path.size()) {
      if (const RouteGroup* g = try_prefix(path.substr(0, i + 1))) return g;
    }
    if (i > 0) {
      if (const RouteGroup* g = try_prefix(path.substr(0, i))) return g;
    }
  }
  return nullptr;
}

std::vector<const Route*> SiteRouter::find_routes(const Site& site,
                                                  std::string_view normalized_path) const {
  std::vector<const Route*> out;
  for (const auto& entry : impl_->sites) {
    if (&entry.site != &site) continue;
    std::string_view rest;
    if (const RouteGroup* g = impl_->find_group(entry, normalized_path, &rest)) {
      for (size_t ri : g->routes) out.push_back(&entry.site.routes[ri]);
    }
  }
  return out;
}

void SiteRouter::dispatch(const Request& req, Response& res) const {
  const Impl& im = *impl_;
  std::string hostname = normalize_host(req.host());
  const Impl::SiteEntry* entry = im.find_entry(hostname);
  if (!entry) {
    res = Response::error(im.options.unknown_host_status);
    return;
  }
  const Site* site = &entry->site;
  bool to_https = site->https_redirect && !req.is_secure() &&
                  !req.path().starts_with(kAcmeChallengePrefix) &&
                  !(hostname.empty() && site->canonical_host.empty());
  bool to_canonical =
      !site->canonical_host.empty() && !hostname.empty() && hostname != site->canonical_host;
  if (to_https || to_canonical) {
    std::string loc = to_https || req.is_secure() ? "https://" : "http://";
    loc += to_canonical || hostname.empty() ? site->canonical_host : hostname;
    if (to_https) {
      if (site->https_port != 443) loc += ":" + std::to_string(site->https_port);
    } else {
      loc += host_port_suffix(req.host());
    }
    loc += req.path();
    if (!req.query().empty()) {
      loc += '?';
      loc += req.query();
    }
    res =
        Response::redirect(to_https ? Status::kPermanentRedirect : Status::kMovedPermanently, loc);
    apply_site_fields(*site, req, res);
    return;
  }

  if (req.path() == "*") {  // RFC 9110 9.3.7: OPTIONS * asks about the server in general
    res = Response(Status::kNoContent);
    return;
  }
  PathResult normalized = normalize_request_path(req.path(), PathOptions{true, true});
  if (!normalized) {
    res = Response::error(to_status(normalized.error()));
    return;
  }
  std::string path = routing_path(normalized);
  std::string_view rest;
  const RouteGroup* group = im.find_group(*entry, path, &rest);
  const Route* route = nullptr;
  size_t route_index = 0;
  if (group) {
    for (size_t ri : group->routes) {
      if (allows(site->routes[ri], req.method())) {
        route = &site->routes[ri];
        route_index = ri;
      }
    }
  }
  // Access before anything about the path is revealed (a denied client gets 403, not 404).
  const AccessPolicy& policy = route ? entry->access[route_index] : site->access;
  if (!admit(policy, im.options.trusted_proxies, req, res)) {
    apply_site_fields(*site, req, res);
    return;
  }
  if (!group) {
    res = Response::error(Status::kNotFound);
    apply_site_fields(*site, req, res);
    return;
  }
  if (!route) {
    res = req.method() == Method::kOptions ? Response(Status::kNoContent)
                                           : Response::error(Status::kMethodNotAllowed);
    res.set_header("Allow", group->allow);
    apply_site_fields(*site, req, res);
    return;
  }

  if (route->max_body_bytes && req.body().size() > *route->max_body_bytes) {
    res = Response::error(Status::kContentTooLarge);
    res.set_close_connection(true);
  } else if (const auto* handler = std::get_if<Handler>(&route->action)) {
    (*handler)(req, res);
  } else if (const auto* redirect = std::get_if<RedirectAction>(&route->action)) {
    std::string encoded_rest;
    append_percent_encoded_path(encoded_rest, rest);
    std::string encoded_full;
    append_percent_encoded_path(encoded_full, path);
    RedirectTemplate::Values v;
    v.path = encoded_rest;
    v.full_path = encoded_full;
    v.query = req.query();
    v.host = req.host();
    v.hostname = hostname;
    v.scheme = req.scheme();
    res = Response::redirect(redirect->status, redirect->target.expand(v));
  } else if (const auto* fixed = std::get_if<FixedResponse>(&route->action)) {
    res = Response(fixed->status);
    if (!status_forbids_body(fixed->status)) res.set_body(fixed->body, fixed->content_type);
  } else if (std::holds_alternative<AsyncHandler>(route->action)) {
    // Only reachable when a program calls dispatch() without find_async() first.
    LOG_ERROR("route %s is asynchronous: dispatch() cannot answer it", route->path.c_str());
    res = Response::error(Status::kInternalServerError);
  }

  apply_site_fields(*site, req, res);
  apply_route_fields(*route, res);
}

const AsyncHandler* SiteRouter::find_async(const Request& req) const {
  const Impl& im = *impl_;
  if (!im.has_async) return nullptr;
  forget_denied(req);  // a new request on this connection: nothing left over may answer it
  std::string hostname = normalize_host(req.host());
  const Impl::SiteEntry* entry = im.find_entry(hostname);
  if (!entry) return nullptr;
  const Site* site = &entry->site;
  bool to_https = site->https_redirect && !req.is_secure() &&
                  !req.path().starts_with(kAcmeChallengePrefix) &&
                  !(hostname.empty() && site->canonical_host.empty());
  bool to_canonical =
      !site->canonical_host.empty() && !hostname.empty() && hostname != site->canonical_host;
  if (to_https || to_canonical || req.path() == "*") return nullptr;
  PathResult normalized = normalize_request_path(req.path(), PathOptions{true, true});
  if (!normalized) return nullptr;
  std::string path = routing_path(normalized);
  std::string_view rest;
  const RouteGroup* group = im.find_group(*entry, path, &rest);
  if (!group) return nullptr;
  for (size_t ri : group->routes) {
    const Route& route = site->routes[ri];
    if (!allows(route, req.method())) continue;
    if (!entry->async[ri]) return nullptr;
    // A declared body over the route's limit: dispatch() answers 413.
    if (route.max_body_bytes && req.head().body == BodyKind::kContentLength &&
        req.head().content_length > *route.max_body_bytes) {
      return nullptr;
    }
    const AccessPolicy& policy = entry->access[ri];
    if (!policy.empty()) {
      Response refusal;
      const net::IpAddress client = client_address(req, im.options.trusted_proxies);
      if (check_access(policy, req, client, refusal) != AccessVerdict::kAllowed) {
        remember_denied(req, std::move(refusal));
        return nullptr;  // dispatch() sends the refusal
      }
    }
    return &entry->async[ri];
  }
  return nullptr;
}

}  // namespace portico::http
