// The [forward_proxy] section: CONNECT tunnels and absolute-form requests on every listener.
//
//   [forward_proxy]
//   allow_ports = [443, 80]
//   allow_networks = ["127.0.0.0/8"]      # opt in to non-public targets
//   client_networks = ["10.0.0.0/8"]
//   auth_file = "proxy-users"
#include "server/config_forward_proxy.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "portico/http/basic_auth.h"

namespace portico::server {

const TableSchema kForwardProxySchema{
    "[forward_proxy]",
    {"allow_ports", "allow_networks", "deny_networks", "allow_hosts", "deny_hosts",
     "client_networks", "auth_file", "auth_realm", "connect_timeout", "idle_timeout",
     "upstream_timeout", "max_tunnels", "max_tunnels_per_client", "dns_servers"}};

namespace {

constexpr uint64_t kDayMs = 24ull * 3600 * 1000;

void load_ports(TableReader& r, proxy::ForwardProxyOptions& o) {
  const toml::node* n = r.node("allow_ports");
  if (n == nullptr) return;
  const toml::array* list = n->as_array();
  if (list == nullptr || list->empty()) {
    r.error("allow_ports", "'allow_ports' must be a non-empty list of port numbers");
    return;
  }
  o.access.allowed_ports.clear();
  for (const toml::node& item : *list) {
    const auto* v = item.as_integer();
    if (v == nullptr || v->get() < 1 || v->get() > 65535) {
      r.error_at(position_of(item), "a port in 'allow_ports' must be a number from 1 to 65535");
      continue;
    }
    o.access.allowed_ports.push_back(static_cast<uint16_t>(v->get()));
  }
}

void load_lists(TableReader& r, proxy::ForwardProxyOptions& o) {
  if (auto v = r.string_list("allow_networks")) o.access.allow_networks = *v;
  if (auto v = r.string_list("deny_networks")) o.access.deny_networks = *v;
  if (auto v = r.string_list("allow_hosts")) o.access.allow_hosts = *v;
  if (auto v = r.string_list("deny_hosts")) o.access.deny_hosts = *v;
  if (auto v = r.string_list("client_networks")) o.access.client_networks = *v;
}

void load_auth(TableReader& r, LoadContext& ctx, proxy::ForwardProxyOptions& o) {
  if (auto realm = r.nonempty_string("auth_realm")) {
    if (!http::is_valid_realm(*realm)) {
      r.error("auth_realm", "auth_realm must not contain '\"', '\\' or control characters");
    } else {
      o.auth_realm = *realm;
    }
  }
  if (!r.has("auth_file")) return;
  auto path = r.path("auth_file", ctx.dir);
  if (!path) return;
  std::string why = check_readable_file(*path);
  if (why.empty()) {
    // The whole file is checked now: a bad line is a config error, not a failure at start.
    if (!http::UserFile::load(*path, &why)) why = "invalid: " + why;
  }
  if (!why.empty()) {
    r.error("auth_file", "auth_file '" + r.string("auth_file").value() + "': " + why);
    return;
  }
  o.auth_file = *path;
}

}  // namespace

std::optional<proxy::ForwardProxyOptions> load_forward_proxy(const toml::table& table,
                                                             LoadContext& ctx) {
  const size_t errors_before = ctx.errors.list().size();
  TableReader r(table, kForwardProxySchema, ctx.errors, ctx.schemas);
  proxy::ForwardProxyOptions o;
  load_ports(r, o);
  load_lists(r, o);
  load_auth(r, ctx, o);
  if (auto v = r.duration_ms("connect_timeout", kDayMs)) {
    o.connect_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.duration_ms("idle_timeout", kDayMs)) {
    o.tunnel_idle_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.duration_ms("upstream_timeout", kDayMs)) {
    o.upstream_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.integer("max_tunnels", 1, 10'000'000)) o.max_tunnels = static_cast<size_t>(*v);
  if (auto v = r.integer("max_tunnels_per_client", 1, 10'000'000)) {
    o.max_tunnels_per_client = static_cast<size_t>(*v);
  }
  if (auto v = r.string("dns_servers")) o.dns.servers = *v;
  r.finish();
  if (ctx.errors.list().size() != errors_before) return std::nullopt;
  std::string err = o.validate();
  if (err.empty()) {
    // Networks and host patterns: the messages name the bad entry.
    try {
      proxy::ForwardAccess check(o.access);
    } catch (const std::invalid_argument& e) {
      err = std::string("forward_proxy: ") + e.what();
    }
  }
  if (!err.empty()) {
    ctx.errors.add(r.pos(), err);
    return std::nullopt;
  }
  return o;
}

}  // namespace portico::server
