// The `proxy` route action: upstreams, balancing, timeouts, pool, retries, health, forwarding.
//
//   [[site.route]]
//   path = "/api/"
//   proxy = { upstreams = ["http://10.0.0.1:9000", { url = "http://10.0.0.2:9000", weight = 3 }],
//             balance = "least-conn", health_check = "/healthz" }
#include "server/config_proxy.h"

#include <string>

namespace portico::server {

const TableSchema kProxySchema{
    "'proxy'",
    {"upstreams",        "balance",           "hash_key",     "sticky_cookie", "connect_timeout",
     "upstream_timeout", "read_timeout",      "send_timeout", "retries",       "retry_post",
     "pool_size",        "pool_idle_timeout", "host",         "strip_prefix",  "add_prefix",
     "x_forwarded",      "forwarded",         "via",          "websocket",     "health_check",
     "max_fails",        "fail_timeout",      "retry_after",  "tls_verify",    "tls_ca_file",
     "tls_server_name"}};
const TableSchema kProxyUpstreamSchema{"'proxy' upstream", {"url", "weight"}};
const TableSchema kProxyHealthSchema{
    "'health_check'", {"path", "interval", "timeout", "expect_status", "rise", "fall", "host"}};

namespace {

constexpr uint64_t kDayMs = 24ull * 3600 * 1000;

void load_upstreams(TableReader& r, LoadContext& ctx, proxy::ProxyOptions& o) {
  const toml::node* n = r.node("upstreams");
  const toml::array* list = n ? n->as_array() : nullptr;
  if (list == nullptr || list->empty()) {
    if (n == nullptr) {
      r.error_at(r.pos(), "'proxy' needs 'upstreams', a list of URLs");
    } else {
      r.error("upstreams", "'upstreams' must be a non-empty list of URLs");
    }
    return;
  }
  for (const toml::node& item : *list) {
    std::string err;
    if (const auto* s = item.as_string()) {
      if (auto t = proxy::parse_upstream_target(s->get(), &err)) {
        o.upstreams.push_back(std::move(*t));
      } else {
        ctx.errors.add(position_of(item), err);
      }
    } else if (const auto* t = item.as_table()) {
      TableReader u(*t, kProxyUpstreamSchema, ctx.errors, ctx.schemas);
      proxy::UpstreamTarget target;
      if (auto url = u.nonempty_string("url")) {
        if (proxy::parse_upstream_url(*url, &err)) {
          target.url = *url;
        } else {
          u.error("url", err);
        }
      } else if (!u.has("url")) {
        ctx.errors.add(u.pos(), "an upstream table needs 'url'");
      }
      if (auto w = u.integer("weight", 1, proxy::UpstreamSet::kMaxWeight)) {
        target.weight = static_cast<uint32_t>(*w);
      }
      u.finish();
      if (!target.url.empty()) o.upstreams.push_back(std::move(target));
    } else {
      ctx.errors.add(position_of(item), "an upstream is a URL string or { url, weight }");
    }
  }
}

void load_health(TableReader& r, LoadContext& ctx, proxy::ProxyOptions& o) {
  const toml::node* n = r.node("health_check");
  if (n == nullptr) return;
  proxy::ActiveCheckOptions a;
  if (const auto* s = n->as_string()) {
    a.path = s->get();
  } else if (const toml::table* t = r.table("health_check")) {
    TableReader h(*t, kProxyHealthSchema, ctx.errors, ctx.schemas);
    if (auto v = h.nonempty_string("path")) a.path = *v;
    if (auto v = h.string("host")) a.host = *v;
    if (auto v = h.duration_ms("interval", kDayMs)) a.interval_ms = static_cast<uint32_t>(*v);
    if (auto v = h.duration_ms("timeout", kDayMs)) a.timeout_ms = static_cast<uint32_t>(*v);
    if (auto v = h.integer("expect_status", 100, 599)) {
      a.expect_status_min = a.expect_status_max = static_cast<uint16_t>(*v);
    }
    if (auto v = h.integer("rise", 1, 100)) a.rise = static_cast<uint32_t>(*v);
    if (auto v = h.integer("fall", 1, 100)) a.fall = static_cast<uint32_t>(*v);
    h.finish();
  } else {
    return;  // wrong type, recorded by table()
  }
  if (a.timeout_ms > a.interval_ms) a.timeout_ms = a.interval_ms;
  o.active_health = a;
}

}  // namespace

std::optional<proxy::ProxyOptions> load_proxy(TableReader& route, LoadContext& ctx) {
  const toml::table* t = route.table("proxy");
  if (t == nullptr) return std::nullopt;
  const size_t errors_before = ctx.errors.list().size();
  TableReader r(*t, kProxySchema, ctx.errors, ctx.schemas);
  proxy::ProxyOptions o;
  load_upstreams(r, ctx, o);
  if (auto v = r.string("balance")) {
    if (!proxy::apply_balance_name(*v, o)) {
      r.error("balance",
              "'balance' must be round-robin, least-conn, ip-hash, hash, p2c, sticky "
              "or redirect, not '" +
                  *v + "'");
    }
  }
  if (auto v = r.string("hash_key")) {
    if (*v == "path") {
      o.hash_key = proxy::HashKeySource::kPath;
    } else if (v->rfind("header:", 0) == 0) {
      o.hash_key = proxy::HashKeySource::kHeader;
      o.hash_key_name = v->substr(7);
    } else if (v->rfind("cookie:", 0) == 0) {
      o.hash_key = proxy::HashKeySource::kCookie;
      o.hash_key_name = v->substr(7);
    } else {
      r.error("hash_key", "'hash_key' must be path, header:NAME or cookie:NAME");
    }
  }
  if (auto v = r.nonempty_string("sticky_cookie")) o.sticky_cookie = *v;
  if (auto v = r.duration_ms("connect_timeout", kDayMs)) {
    o.connect_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.duration_ms("upstream_timeout", kDayMs)) {
    o.read_timeout_ms = o.send_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.duration_ms("read_timeout", kDayMs)) o.read_timeout_ms = static_cast<uint32_t>(*v);
  if (auto v = r.duration_ms("send_timeout", kDayMs)) o.send_timeout_ms = static_cast<uint32_t>(*v);
  if (auto v = r.integer("retries", 0, 16)) o.max_retries = static_cast<uint32_t>(*v);
  if (auto v = r.boolean("retry_post")) o.retry_post = *v;
  if (auto v = r.integer("pool_size", 0, 10000)) o.pool_max_idle = static_cast<uint32_t>(*v);
  if (auto v = r.duration_ms("pool_idle_timeout", kDayMs)) {
    o.pool_idle_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.string("host")) {
    if (*v == "pass") {
      o.forward.host_mode = proxy::HostMode::kPass;
    } else if (*v == "upstream") {
      o.forward.host_mode = proxy::HostMode::kUpstream;
    } else {
      o.forward.host_mode = proxy::HostMode::kFixed;
      o.forward.fixed_host = *v;
    }
  }
  if (auto v = r.string("strip_prefix")) o.forward.strip_prefix = *v;
  if (auto v = r.string("add_prefix")) o.forward.add_prefix = *v;
  if (auto v = r.boolean("x_forwarded")) o.forward.x_forwarded = *v;
  if (auto v = r.boolean("forwarded")) o.forward.forwarded = *v;
  if (auto v = r.boolean("via")) o.forward.via = *v;
  if (auto v = r.boolean("websocket")) o.allow_upgrade = *v;
  load_health(r, ctx, o);
  if (auto v = r.integer("max_fails", 0, 1000))
    o.passive_health.max_fails = static_cast<uint32_t>(*v);
  if (auto v = r.duration_ms("fail_timeout", kDayMs)) {
    o.passive_health.fail_window_ms = o.passive_health.down_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.integer("retry_after", 0, 86400)) o.retry_after_s = static_cast<uint32_t>(*v);
  if (auto v = r.boolean("tls_verify")) o.tls_verify = *v;
  if (auto v = r.path("tls_ca_file", ctx.dir)) o.tls_ca_file = *v;
  if (auto v = r.string("tls_server_name")) o.tls_server_name = *v;
  r.finish();
  if (ctx.errors.list().size() != errors_before) return std::nullopt;
  if (std::string err = o.validate(); !err.empty()) {
    ctx.errors.add(route.value_pos("proxy"), err);
    return std::nullopt;
  }
  return o;
}

}  // namespace portico::server
