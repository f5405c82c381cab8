// [[listen]] tables: the address, TLS files and the TCP options of each listening socket.
#include <string>

#include "server/config_sections.h"
#include "server/config_tls.h"

namespace portico::server {

const TableSchema kListenSchema{
    "[[listen]]",
    {"address", "tls", "backlog", "reuseport", "nodelay", "defer_accept", "fastopen", "keepalive"}};
const TableSchema kTlsSchema{"'tls'", {"cert", "key"}};

namespace {

constexpr int kDefaultFastopenQueue = 256;

std::optional<TlsSettings> load_tls(TableReader& listen, LoadContext& ctx) {
  const toml::table* t = listen.table("tls");
  if (!t) return std::nullopt;
  TableReader r(*t, kTlsSchema, ctx.errors, ctx.schemas);
  TlsSettings tls;
  tls.pos = listen.value_pos("tls");
  bool ok = true;
  for (std::string_view key : {"cert", "key"}) {
    if (!r.has(key)) {
      ctx.errors.add(tls.pos, "'tls' needs '" + std::string(key) + "' (a PEM file)");
      ok = false;
      continue;
    }
    auto path = r.path(key, ctx.dir);
    if (!path) {
      ok = false;
      continue;
    }
    std::string why = check_readable_file(*path);
    if (!why.empty()) {
      r.error(key, "TLS " + std::string(key) + " '" + r.string(key).value() + "': " + why);
      ok = false;
    }
    (key == "cert" ? tls.cert : tls.key) = *path;
  }
  r.finish();
  if (!ok) return std::nullopt;
  std::string why = check_tls_settings(tls);
  if (!why.empty()) ctx.errors.add(tls.pos, why);
  return tls;
}

void load_listener(const toml::table& t, LoadContext& ctx, std::vector<ListenerConfig>& out) {
  TableReader r(t, kListenSchema, ctx.errors, ctx.schemas);
  ListenerConfig l;
  l.pos = r.pos();
  bool ok = true;
  if (!r.has("address")) {
    ctx.errors.add(l.pos, "[[listen]] needs 'address', e.g. address = \"127.0.0.1:8080\"");
    ok = false;
  } else if (auto a = r.string("address")) {
    auto addr = net::InetAddress::parse(*a);
    if (!addr) {
      r.error("address", "bad listen address '" + *a +
                             "': expected IP:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or *:80 "
                             "(host names are not resolved)");
      ok = false;
    } else {
      l.address = *a;
      l.addr = *addr;
    }
  } else {
    ok = false;
  }
  if (auto v = r.integer("backlog", 1, 65535)) l.options.backlog = static_cast<int>(*v);
  if (auto v = r.boolean("reuseport")) l.options.reuse_port = *v;
  if (auto v = r.boolean("nodelay")) l.options.tcp_nodelay = *v;
  if (auto v = r.boolean("keepalive")) l.options.keepalive = *v;
  if (const toml::node* n = r.node("defer_accept")) {
    // true (30 s), false, or how long the kernel waits for the first bytes.
    if (n->is_boolean()) {
      l.options.defer_accept = n->as_boolean()->get();
    } else if (auto ms = r.duration_ms("defer_accept", 3600 * 1000)) {
      if (*ms < 1000) {
        r.error("defer_accept", "'defer_accept' must be at least 1s (the kernel counts seconds)");
      } else {
        l.options.defer_accept = true;
        l.options.defer_accept_seconds = static_cast<int>(*ms / 1000);
      }
    }
  }
  if (const toml::node* n = r.node("fastopen")) {
    // true (a queue of 256), false, or the queue length.
    if (n->is_boolean()) {
      l.options.fastopen_queue = n->as_boolean()->get() ? kDefaultFastopenQueue : 0;
    } else if (auto v = r.integer("fastopen", 0, 65535)) {
      l.options.fastopen_queue = static_cast<int>(*v);
    }
  }
  l.tls = load_tls(r, ctx);
  r.finish();
  if (ok) out.push_back(std::move(l));
}

}  // namespace

void load_listeners(const toml::node& node, LoadContext& ctx, std::vector<ListenerConfig>& out) {
  for (const toml::table* t : tables_of(node, "listen", ctx.errors)) load_listener(*t, ctx, out);
}

}  // namespace portico::server
