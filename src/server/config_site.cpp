// [[site]] and [[site.route]] tables: hosts, static files, redirects, fixed responses, methods,
// header edits, caching and limits; duplicate hosts and conflicting routes are caught here.
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "portico/base/did_you_mean.h"
#include "portico/http/hsts.h"
#include "portico/http/path.h"
#include "portico/http/redirect_template.h"
#include "server/config_proxy.h"
#include "server/config_sections.h"

namespace portico::server {

const TableSchema kSiteSchema{
    "[[site]]",
    {"hosts", "root", "index", "browse", "uploads", "dotfiles", "symlinks", "canonical_host",
     "https_redirect", "https_port", "hsts", "headers", "remove_headers", "route",
     // access control (config_access.cpp)
     "allow", "deny", "access_rules", "rate_limit", "rate_burst", "rate_key", "auth_file",
     "auth_realm"}};
const TableSchema kRouteSchema{"[[site.route]]",
                               {"path", "match", "root", "index", "browse", "uploads", "dotfiles",
                                "symlinks", "redirect", "respond", "proxy", "methods", "headers",
                                "remove_headers", "cache_control", "expires", "max_body_size",
                                // access control (config_access.cpp)
                                "allow", "deny", "access_rules", "rate_limit", "rate_burst",
                                "rate_key", "auth_file", "auth_realm"}};
const TableSchema kRedirectSchema{"'redirect'", {"to", "status"}};
const TableSchema kRespondSchema{"'respond'", {"status", "body", "file", "content_type"}};
const TableSchema kHstsSchema{"'hsts'", {"max_age", "include_subdomains"}};

namespace {

constexpr std::string_view kStaticKeys[] = {"index", "browse", "uploads", "dotfiles", "symlinks"};

std::string at(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.column); }

// Fields the connection writes itself: a config may neither set nor remove them.
bool is_connection_field(std::string_view name) {
  for (std::string_view f : {"content-length", "transfer-encoding", "connection", "keep-alive",
                             "date", "server", "upgrade", "te", "trailer"}) {
    if (http::iequals(name, f)) return true;
  }
  return false;
}

// A host name as written in `hosts`: "" when valid (out set to its lowercase form).
std::string check_host(std::string_view host, std::string& out) {
  out.clear();
  for (char c : host) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (out.size() > 1 && out.back() == '.') out.pop_back();  // "example.test." is absolute
  std::string_view name = out;
  if (name == "*") return "'*' alone is not a host name; leave out 'hosts' for the default site";
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty()) return "is empty";
  if (name.front() == '[') {
    if (name.back() != ']' || net::InetAddress::parse(std::string(name) + ":0") == std::nullopt) {
      return "is not a valid IPv6 literal like [::1]";
    }
    return {};
  }
  if (name.find('*') != std::string_view::npos) {
    return "may use '*' only as its whole first label, as in '*.example.com'";
  }
  if (name.find(':') != std::string_view::npos) {
    return "must not have a port (sites match by name on every listener)";
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return "has a character not allowed in a host name: '" + std::string(1, c) + "'";
  }
  if (name.find("..") != std::string_view::npos || name.front() == '.') {
    return "has an empty label";
  }
  return {};
}

void load_header_edits(TableReader& r, http::HeaderEdits& edits) {
  if (const toml::table* t = r.table("headers")) {
    for (auto&& [k, v] : *t) {
      std::string name(k.str());
      std::string why = check_field_name(name);
      if (why.empty() && is_connection_field(name)) {
        why = "is written by the connection itself and cannot be set here";
      }
      if (!why.empty()) {
        r.error_at(position_of(k), "header '" + name + "' " + why);
        continue;
      }
      if (!v.is_string()) {
        r.error_at(position_of(v),
                   "header '" + name + "' must be a string, not " + std::string(type_name(v)));
        continue;
      }
      std::string value = v.as_string()->get();
      why = check_field_value(value);
      if (!why.empty()) {
        r.error_at(position_of(v), "header '" + name + "' value " + why);
        continue;
      }
      edits.set.push_back(http::Headers::Field{name, value});
    }
  }
  if (auto names = r.string_list("remove_headers")) {
    for (const std::string& name : *names) {
      std::string why = check_field_name(name);
      if (why.empty() && is_connection_field(name)) {
        why = "is written by the connection itself and cannot be removed";
      }
      if (!why.empty()) {
        r.error("remove_headers", "header '" + name + "' " + why);
        continue;
      }
      edits.remove.push_back(name);
    }
  }
}

// The static-file keys of a site or route, on top of `base`. False on error.
bool load_static_keys(TableReader& r, StaticConfig& s) {
  bool ok = true;
  if (auto v = r.string_list("index")) {
    for (const std::string& name : *v) {
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        r.error("index", "index file '" + name + "' must be a plain file name");
        ok = false;
      }
    }
    s.index = *v;
  }
  if (auto v = r.boolean("browse")) s.browse = *v;
  if (auto v = r.boolean("uploads")) s.uploads = *v;
  if (auto v = r.boolean("dotfiles")) s.dotfiles = *v;
  if (auto v = r.boolean("symlinks")) s.symlinks = *v;
  return ok;
}

bool load_root(TableReader& r, LoadContext& ctx, std::string& root) {
  auto p = r.path("root", ctx.dir);
  if (!p) return false;
  std::string why = check_directory(*p);
  if (!why.empty()) {
    r.error("root", "root '" + r.string("root").value() + "': " + why);
    return false;
  }
  root = *p;
  return true;
}

std::optional<RedirectConfig> load_redirect(TableReader& route, LoadContext& ctx) {
  const toml::node* n = route.node("redirect");
  RedirectConfig rc;
  SourcePos to_pos = route.value_pos("redirect");
  if (n->is_string()) {  // shorthand: redirect = "https://example.test{path}" (302)
    rc.to = n->as_string()->get();
  } else if (const toml::table* t = route.table("redirect")) {
    TableReader r(*t, kRedirectSchema, ctx.errors, ctx.schemas);
    if (!r.has("to")) {
      ctx.errors.add(r.pos(), "'redirect' needs 'to', the target URL");
    } else if (auto to = r.nonempty_string("to")) {
      rc.to = *to;
      to_pos = r.value_pos("to");
    }
    if (auto s = r.integer("status", 100, 999)) {
      if (*s != 301 && *s != 302 && *s != 303 && *s != 307 && *s != 308) {
        r.error("status",
                "redirect status must be 301, 302, 303, 307 or 308, not " + std::to_string(*s));
      } else {
        rc.status = static_cast<int>(*s);
      }
    }
    r.finish();
  } else {
    return std::nullopt;
  }
  if (rc.to.empty()) return std::nullopt;
  std::string why;
  if (!http::RedirectTemplate::parse(rc.to, &why)) {
    ctx.errors.add(to_pos, "redirect target '" + rc.to + "': " + why);
    return std::nullopt;
  }
  return rc;
}

std::optional<RespondConfig> load_respond(TableReader& route, LoadContext& ctx) {
  const toml::table* t = route.table("respond");
  if (!t) return std::nullopt;
  TableReader r(*t, kRespondSchema, ctx.errors, ctx.schemas);
  RespondConfig rc;
  bool ok = true;
  if (auto s = r.integer("status", 200, 599)) rc.status = static_cast<int>(*s);
  if (r.has("body") && r.has("file")) {
    r.error("file", "'respond' takes 'body' or 'file', not both");
    ok = false;
  }
  if (auto b = r.string("body")) rc.body = *b;
  if (auto f = r.path("file", ctx.dir)) {
    std::string why = check_readable_file(*f);
    std::ifstream in(*f, std::ios::binary);
    if (why.empty() && !in) why = "cannot be read";
    if (!why.empty()) {
      r.error("file", "response file '" + r.string("file").value() + "': " + why);
      ok = false;
    } else {
      std::ostringstream text;
      text << in.rdbuf();
      rc.body = text.str();
    }
  }
  if (auto c = r.nonempty_string("content_type")) {
    std::string why = check_field_value(*c);
    if (!why.empty()) r.error("content_type", "'content_type' " + why);
    rc.content_type = *c;
  }
  if ((rc.status == 204 || rc.status == 304) && !rc.body.empty()) {
    r.error("status", "status " + std::to_string(rc.status) + " cannot carry a body");
    ok = false;
  }
  r.finish();
  if (!ok) return std::nullopt;
  return rc;
}

// hsts = "8760h" (max-age) or { max_age = "8760h", include_subdomains = true }.
void load_hsts(TableReader& site, LoadContext& ctx, std::string& out) {
  const toml::node* n = site.node("hsts");
  if (!n) return;
  constexpr uint64_t kMaxMs = 10ull * 365 * 24 * 3600 * 1000;
  http::HstsPolicy policy;
  std::optional<uint64_t> ms;
  if (n->is_table()) {
    TableReader r(*n->as_table(), kHstsSchema, ctx.errors, ctx.schemas);
    if (!r.has("max_age")) ctx.errors.add(r.pos(), "'hsts' needs 'max_age', e.g. \"8760h\"");
    ms = r.duration_ms("max_age", kMaxMs);
    if (auto v = r.boolean("include_subdomains")) policy.include_subdomains = *v;
    r.finish();
  } else {
    ms = site.duration_ms("hsts", kMaxMs);
  }
  if (!ms) return;
  policy.max_age_s = static_cast<uint32_t>(*ms / 1000);
  out = http::hsts_header_value(policy);
}

bool load_methods(TableReader& r, std::vector<http::Method>& out) {
  if (!r.has("methods")) return true;
  auto names = r.string_list("methods");
  if (!names) return false;
  bool ok = true;
  static const std::vector<std::string_view> known = {"GET",    "HEAD",    "POST",  "PUT",
                                                      "DELETE", "OPTIONS", "TRACE", "CONNECT"};
  for (const std::string& name : *names) {
    http::Method m = http::parse_method(name);
    if (m == http::Method::kOther) {
      std::string msg = "unknown method '" + name + "'";
      std::string_view hint = closest_match(name, known);
      if (!hint.empty()) msg += " (did you mean '" + std::string(hint) + "'?)";
      r.error("methods", msg);
      ok = false;
      continue;
    }
    out.push_back(m);
  }
  if (names->empty()) {
    r.error("methods", "'methods' must list at least one method");
    ok = false;
  }
  return ok;
}

// The route's path as the router compares it: normalized like a request path.
std::string check_route_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return "must start with '/'";
  if (path.find_first_of("?# \t") != std::string::npos) {
    return "must be a plain path (no query, fragment or spaces)";
  }
  http::PathResult p = http::normalize_request_path(path, http::PathOptions{true, true});
  if (!p) return "is not a valid path (" + std::string(http::to_string(p.error())) + ")";
  std::string normal = "/" + p.relative();
  if (p.trailing_slash() && !p.relative().empty()) normal += '/';
  if (normal != path) return "is not in normal form (write '" + normal + "')";
  return {};
}

std::string methods_text(const RouteConfig& a, const RouteConfig& b) {
  if (a.methods.empty() || b.methods.empty()) return "both answer every method";
  std::string common;
  for (http::Method m : a.methods) {
    for (http::Method n : b.methods) {
      bool same = m == n || (m == http::Method::kGet && n == http::Method::kHead) ||
                  (n == http::Method::kGet && m == http::Method::kHead);
      if (!same) continue;
      if (!common.empty()) common += ", ";
      common += http::to_string(m == http::Method::kHead ? n : m);
      break;
    }
  }
  return common.empty() ? std::string() : "both allow " + common;
}

void load_route(const toml::table& t, LoadContext& ctx, SiteConfig& site, bool site_has_root) {
  TableReader r(t, kRouteSchema, ctx.errors, ctx.schemas);
  RouteConfig route;
  route.pos = r.pos();
  bool ok = true;
  if (!r.has("path")) {
    ctx.errors.add(route.pos, "[[site.route]] needs 'path', e.g. path = \"/docs/\"");
    ok = false;
  } else if (auto p = r.string("path")) {
    std::string why = check_route_path(*p);
    if (!why.empty()) {
      r.error("path", "route path '" + *p + "' " + why);
      ok = false;
    }
    route.path = *p;
    route.match =
        !p->empty() && p->back() == '/' ? http::PathMatch::kPrefix : http::PathMatch::kExact;
  } else {
    ok = false;
  }
  if (auto m = r.string("match")) {
    if (*m == "exact") {
      route.match = http::PathMatch::kExact;
    } else if (*m == "prefix") {
      route.match = http::PathMatch::kPrefix;
    } else {
      std::string msg = "'match' must be exact or prefix, not '" + *m + "'";
      std::string_view hint = closest_match(*m, {"exact", "prefix"});
      if (!hint.empty()) msg += " (did you mean '" + std::string(hint) + "'?)";
      r.error("match", msg);
      ok = false;
    }
  }

  // One handler per route: static files (root and its keys), redirect, or respond.
  std::vector<std::string_view> handlers;
  bool has_static_key = r.has("root");
  for (std::string_view k : kStaticKeys) has_static_key = has_static_key || r.has(k);
  if (has_static_key) handlers.push_back(r.has("root") ? "root" : "static file keys");
  if (r.has("redirect")) handlers.push_back("redirect");
  if (r.has("respond")) handlers.push_back("respond");
  if (r.has("proxy")) handlers.push_back("proxy");
  if (handlers.size() > 1) {
    std::string_view second = handlers[1];
    r.error(second == "static file keys" ? "root" : second,
            "a route has one handler, but this one sets both '" + std::string(handlers[0]) +
                "' and '" + std::string(second) + "'");
    ok = false;
  } else if (r.has("redirect")) {
    if (auto rc = load_redirect(r, ctx)) {
      route.handler = *rc;
    } else {
      ok = false;
    }
  } else if (r.has("respond")) {
    if (auto rc = load_respond(r, ctx)) {
      route.handler = *rc;
    } else {
      ok = false;
    }
  } else if (r.has("proxy")) {
    if (auto po = load_proxy(r, ctx)) {
      route.handler = std::move(*po);
    } else {
      ok = false;
    }
  } else if (has_static_key) {
    StaticConfig sc = site.files.value_or(StaticConfig{});
    if (r.has("root")) {
      ok = load_root(r, ctx, sc.root) && ok;
    } else if (!site_has_root) {
      std::string_view key;
      for (std::string_view k : kStaticKeys) {
        if (key.empty() && r.has(k)) key = k;
      }
      r.error(key, "'" + std::string(key) + "' needs a 'root' on the route or on its site");
      ok = false;
    }
    ok = load_static_keys(r, sc) && ok;
    route.handler = sc;
  } else if (!site_has_root && ok) {
    ctx.errors.add(route.pos, "route '" + route.path +
                                  "' has no handler: give it 'root', 'redirect' or 'respond' "
                                  "(or give its site a 'root')");
    ok = false;
  }

  ok = load_methods(r, route.methods) && ok;
  load_header_edits(r, route.headers);
  if (auto v = r.string("cache_control")) {
    std::string why = check_field_value(*v);
    if (!why.empty()) r.error("cache_control", "'cache_control' " + why);
    route.cache_control = *v;
  }
  if (auto v = r.duration_ms("expires", 10ull * 365 * 24 * 3600 * 1000)) {
    route.expires_secs = static_cast<int64_t>(*v / 1000);
    if (route.cache_control.empty()) {
      route.cache_control = "max-age=" + std::to_string(*route.expires_secs);
    }
  }
  if (auto v = r.size_bytes("max_body_size", 1ull << 40)) {
    uint64_t global = ctx.config->limits.max_body_bytes;
    if (*v > global) {
      r.error("max_body_size", "route 'max_body_size' (" + std::to_string(*v) +
                                   " bytes) exceeds [limits] max_body_size (" +
                                   std::to_string(global) +
                                   " bytes), which bounds every body portico reads");
      ok = false;
    }
    route.max_body_bytes = *v;
  }
  load_access(r, ctx, route.access);
  r.finish();

  if (!ok) return;
  for (const RouteConfig& other : site.routes) {
    if (other.path != route.path || other.match != route.match) continue;
    std::string common = methods_text(other, route);
    if (common.empty()) continue;
    ctx.errors.add(route.pos, "route '" + route.path + "' conflicts with the route at " +
                                  at(other.pos) + " (same path and match; " + common + ")");
    return;
  }
  site.routes.push_back(std::move(route));
}

void load_site(const toml::table& t, LoadContext& ctx, std::vector<SiteConfig>& sites,
               std::map<std::string, SourcePos>& hosts_seen, std::optional<SourcePos>& default_at) {
  TableReader r(t, kSiteSchema, ctx.errors, ctx.schemas);
  SiteConfig site;
  site.pos = r.pos();
  bool ok = true;
  if (r.has("hosts")) {
    if (auto hosts = r.string_list("hosts")) {
      if (hosts->empty()) {
        r.error("hosts", "'hosts' is empty; leave it out for the default site");
        ok = false;
      }
      // Each name's own position (a lone string is a one-name list at the key's value).
      const toml::array* items = r.node("hosts")->as_array();
      for (size_t i = 0; i < hosts->size(); ++i) {
        const std::string& h = (*hosts)[i];
        SourcePos where = items ? position_of(*items->get(i)) : r.value_pos("hosts");
        std::string norm;
        std::string why = check_host(h, norm);
        if (!why.empty()) {
          ctx.errors.add(where, "host '" + h + "' " + why);
          ok = false;
          continue;
        }
        auto [it, added] = hosts_seen.emplace(norm, where);
        if (!added) {
          ctx.errors.add(where,
                         "host '" + h + "' is already served by the site at " + at(it->second));
          ok = false;
          continue;
        }
        site.hosts.push_back(norm);
      }
    } else {
      ok = false;
    }
  } else if (default_at) {
    ctx.errors.add(site.pos,
                   "a second default site (a [[site]] without 'hosts'); the first is "
                   "at " +
                       at(*default_at));
    ok = false;
  } else {
    default_at = site.pos;
  }

  if (r.has("root")) {
    StaticConfig sc;
    bool has_root = load_root(r, ctx, sc.root);
    ok = load_static_keys(r, sc) && has_root && ok;
    site.files = sc;
  } else {
    for (std::string_view k : kStaticKeys) {
      if (!r.has(k)) continue;
      r.error(k, "'" + std::string(k) + "' needs 'root' on this site");
      ok = false;
    }
  }
  if (auto c = r.nonempty_string("canonical_host")) {
    std::string norm;
    std::string why = check_host(*c, norm);
    bool listed = false;
    for (const auto& h : site.hosts) listed = listed || h == norm;
    if (why.empty() && norm.starts_with("*.")) why = "cannot be a wildcard";
    if (why.empty() && !listed) why = "is not one of this site's 'hosts'";
    if (!why.empty()) {
      r.error("canonical_host", "canonical_host '" + *c + "' " + why);
      ok = false;
    }
    site.canonical_host = norm;
  }
  if (auto v = r.boolean("https_redirect")) site.https_redirect = *v;
  if (auto v = r.integer("https_port", 1, 65535)) site.https_port = static_cast<uint16_t>(*v);
  load_hsts(r, ctx, site.hsts);
  load_header_edits(r, site.headers);
  load_access(r, ctx, site.access);

  if (const toml::node* n = r.node("route")) {
    for (const toml::table* rt : tables_of(*n, "site.route", ctx.errors)) {
      load_route(*rt, ctx, site, r.has("root"));
    }
  }
  r.finish();
  if (ok) sites.push_back(std::move(site));
}

}  // namespace

void load_sites(const toml::node& node, LoadContext& ctx, std::vector<SiteConfig>& out) {
  std::map<std::string, SourcePos> hosts_seen;
  std::optional<SourcePos> default_at;
  for (const toml::table* t : tables_of(node, "site", ctx.errors)) {
    load_site(*t, ctx, out, hosts_seen, default_at);
  }
}

}  // namespace portico::server
