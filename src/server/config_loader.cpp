// The config loader's entry points and the global tables: [server], [limits], [log].
#include "server/config_loader.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "portico/base/did_you_mean.h"
#include "server/access_log_format.h"
#include "server/config_forward_proxy.h"
#include "server/config_sections.h"
#include "server/status_flags.h"

namespace portico::server {
namespace {

const TableSchema kTopSchema{
    "", {"server", "limits", "log", "status", "forward_proxy", "listen", "site"}};
const TableSchema kServerSchema{
    "[server]",
    {"threads", "event_backend", "server_header", "hide_version", "allow_trace", "unknown_host",
     "shutdown_timeout", "user", "group", "pidfile", "trusted_proxies", "trusted_proxy_header",
     "max_connections_per_client"}};
const TableSchema kLimitsSchema{
    "[limits]",
    {"header_timeout", "body_timeout", "keepalive_timeout", "send_timeout", "max_body_size",
     "max_requests", "max_request_line", "max_header_size", "max_headers"}};
const TableSchema kLogSchema{"[log]",
                             {"error", "level", "access", "format", "flush_interval", "buffer_size",
                              "slow_request", "request_id_header"}};

const std::vector<const TableSchema*>& all_schemas() {
  static const std::vector<const TableSchema*> all = {
      &kTopSchema,  &kServerSchema, &kLimitsSchema,      &kLogSchema,      &kListenSchema,
      &kTlsSchema,  &kSiteSchema,   &kRouteSchema,       &kRedirectSchema, &kRespondSchema,
      &kHstsSchema, &kStatusSchema, &kForwardProxySchema};
  return all;
}

constexpr uint64_t kDay = 24ull * 3600 * 1000;

// A string key whose value must be one of `choices`; "" when absent or wrong (error recorded).
std::string one_of(TableReader& r, std::string_view key,
                   const std::vector<std::string_view>& choices) {
  auto v = r.string(key);
  if (!v) return {};
  for (std::string_view c : choices) {
    if (c == *v) return *v;
  }
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) {
    list += i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ");
    list += choices[i];
  }
  std::string msg = "'" + std::string(key) + "' must be " + list + ", not '" + *v + "'";
  std::string_view hint = closest_match(*v, choices);
  if (!hint.empty()) msg += " (did you mean '" + std::string(hint) + "'?)";
  r.error(key, msg);
  return {};
}

void load_server(const toml::table& t, LoadContext& ctx, ServerSettings& s) {
  TableReader r(t, kServerSchema, ctx.errors, ctx.schemas);
  if (auto v = r.integer("threads", 0, 1024)) s.threads = static_cast<int>(*v);
  std::string backend = one_of(r, "event_backend", {"epoll", "poll"});
  if (!backend.empty()) s.backend = *net::EventLoop::parse_backend(backend);
  if (auto v = r.string("server_header")) {
    std::string why = check_field_value(*v);
    if (!why.empty()) r.error("server_header", "'server_header' " + why);
    s.server_header = *v;
  }
  if (auto v = r.boolean("hide_version")) s.hide_version = *v;
  if (auto v = r.boolean("allow_trace")) s.allow_trace = *v;
  if (const toml::node* n = r.node("unknown_host")) {
    if (!n->is_integer() || (n->as_integer()->get() != 404 && n->as_integer()->get() != 421)) {
      r.error("unknown_host",
              "'unknown_host' must be 404 or 421 (the status for a Host no site "
              "serves when there is no default site)");
    } else {
      s.unknown_host_status = static_cast<http::Status>(n->as_integer()->get());
    }
  }
  if (auto v = r.duration_ms("shutdown_timeout", 3600 * 1000)) {
    s.shutdown_timeout_ms = static_cast<uint32_t>(*v);
  }
  if (auto v = r.nonempty_string("user")) {
    if (::getpwnam(v->c_str()) == nullptr) {
      r.error("user", "user '" + *v + "' does not exist");
    }
    s.user = *v;
  }
  if (auto v = r.nonempty_string("group")) {
    if (::getgrnam(v->c_str()) == nullptr) {
      r.error("group", "group '" + *v + "' does not exist");
    }
    s.group = *v;
  }
  if (!s.group.empty() && s.user.empty()) {
    r.error("group", "'group' needs 'user' (portico drops to both after binding)");
  }
  if (auto v = r.path("pidfile", ctx.dir)) {
    std::string why = check_writable_file(*v);
    if (!why.empty()) r.error("pidfile", "pidfile '" + r.string("pidfile").value() + "': " + why);
    s.pidfile = *v;
  }
  load_server_access(r, s);  // config_access.cpp
  r.finish();
}

void load_limits(const toml::table& t, LoadContext& ctx, Config& c) {
  TableReader r(t, kLimitsSchema, ctx.errors, ctx.schemas);
  http::RequestLimits& l = c.limits;
  // A timeout of 0 would fire at once: every duration here is at least 1ms.
  auto timeout = [&r](std::string_view key, uint32_t& out) {
    auto v = r.duration_ms(key, kDay);
    if (!v) return;
    if (*v == 0) {
      r.error(key, "'" + std::string(key) + "' must be more than 0");
      return;
    }
    out = static_cast<uint32_t>(*v);
  };
  timeout("header_timeout", l.header_timeout_ms);
  timeout("body_timeout", l.body_idle_timeout_ms);
  timeout("keepalive_timeout", l.keepalive_timeout_ms);
  timeout("send_timeout", c.send_timeout_ms);
  if (auto v = r.size_bytes("max_body_size", 1ull << 40)) l.max_body_bytes = *v;
  if (auto v = r.integer("max_requests", 1, 1'000'000'000)) {
    l.max_requests_per_connection = static_cast<uint32_t>(*v);
  }
  if (auto v = r.size_bytes("max_request_line", 1 << 20)) {
    if (*v < 256) r.error("max_request_line", "'max_request_line' must be at least 256 bytes");
    l.max_request_line_bytes = static_cast<uint32_t>(*v);
  }
  if (auto v = r.size_bytes("max_header_size", 1 << 20)) {
    if (*v < 1024) r.error("max_header_size", "'max_header_size' must be at least 1k");
    l.max_header_bytes = static_cast<uint32_t>(*v);
  }
  if (auto v = r.integer("max_headers", 1, 10'000)) l.max_header_count = static_cast<uint32_t>(*v);
  r.finish();
}

void load_log(const toml::table& t, LoadContext& ctx, LogConfig& log) {
  TableReader r(t, kLogSchema, ctx.errors, ctx.schemas);
  if (auto v = r.path("error", ctx.dir)) {
    std::string why = check_writable_file(*v);
    if (!why.empty()) r.error("error", "error log '" + r.string("error").value() + "': " + why);
    log.error_log = *v;
  }
  std::string level = one_of(r, "level", {"debug", "info", "warn", "error"});
  if (!level.empty()) log.level = level;
  if (auto v = r.nonempty_string("access")) {
    if (*v == "-") {
      log.access_log = "-";
    } else {
      log.access_log = resolve_path(ctx.dir, *v);
      std::string why = check_writable_file(log.access_log);
      if (!why.empty()) r.error("access", "access log '" + *v + "': " + why);
    }
  }
  if (auto v = r.nonempty_string("format")) {
    if (*v == "combined") {
      log.access_format = AccessLogFormat::kCombined;
    } else if (*v == "common") {
      log.access_format = AccessLogFormat::kCommon;
    } else if (*v == "json") {
      log.access_format = AccessLogFormat::kJson;
    } else if (v->find('$') != std::string::npos) {
      std::string why;
      if (!AccessLogTemplate::parse(*v, &why)) {
        r.error("format", "access log format: " + why);
      }
      log.access_format = AccessLogFormat::kCustom;
      log.access_format_string = *v;
    } else {
      std::string msg =
          "'format' must be combined, common, json or a format string with "
          "$variables, not '" +
          *v + "'";
      std::string_view hint = closest_match(*v, {"combined", "common", "json"});
      if (!hint.empty()) msg += " (did you mean '" + std::string(hint) + "'?)";
      r.error("format", msg);
    }
  }
  if (auto v = r.duration_ms("flush_interval", 60'000)) {
    if (*v < 10) {
      r.error("flush_interval", "'flush_interval' must be at least 10ms");
    } else {
      log.flush_interval_ms = static_cast<uint32_t>(*v);
    }
  }
  if (auto v = r.size_bytes("buffer_size", 64ull << 20)) {
    if (*v < 4096) {
      r.error("buffer_size", "'buffer_size' must be at least 4k");
    } else {
      log.buffer_bytes = *v;
    }
  }
  // Request ids and the slow request log (docs/status.md).
  if (auto v = r.duration_ms("slow_request", kDay)) log.slow_request_ms = static_cast<uint32_t>(*v);
  if (auto v = r.string("request_id_header")) {
    std::string why = check_request_id_header(*v);
    if (why.empty()) {
      log.request_id_header = *v;
    } else {
      r.error("request_id_header", "request_id_header '" + *v + "' " + why);
    }
  }
  r.finish();
}

void check_listener_overlaps(const std::vector<ListenerConfig>& listeners, ConfigErrors& errors) {
  for (size_t i = 0; i < listeners.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const ListenerConfig& a = listeners[j];
      const ListenerConfig& b = listeners[i];
      std::string where = std::to_string(a.pos.line) + ":" + std::to_string(a.pos.column);
      if (a.addr == b.addr) {
        errors.add(b.pos,
                   "duplicate listener '" + b.address + "' (first defined at " + where + ")");
        break;
      }
      bool same_port = a.addr.port() != 0 && a.addr.port() == b.addr.port() &&
                       a.addr.is_ipv6() == b.addr.is_ipv6();
      if (same_port && (a.addr.is_any() || b.addr.is_any())) {
        errors.add(b.pos, "listener '" + b.address + "' overlaps '" + a.address + "' at " + where +
                              " (an any-address listener already takes that port)");
        break;
      }
    }
  }
}

void load_document(const toml::table& doc, LoadContext& ctx, Config& c) {
  TableReader top(doc, kTopSchema, ctx.errors, ctx.schemas);
  ctx.config = &c;
  if (const toml::table* t = top.table("server")) load_server(*t, ctx, c.server);
  if (const toml::table* t = top.table("limits")) load_limits(*t, ctx, c);
  if (const toml::table* t = top.table("log")) load_log(*t, ctx, c.log);
  if (const toml::table* t = top.table("status")) load_status(*t, ctx, c.status);
  if (const toml::table* t = top.table("forward_proxy")) {
    c.forward_proxy = load_forward_proxy(*t, ctx);
  }
  if (const toml::node* n = top.node("listen")) {
    load_listeners(*n, ctx, c.listeners);
    check_listener_overlaps(c.listeners, ctx.errors);
  } else {
    ctx.errors.add(SourcePos{1, 1},
                   "no [[listen]] table: add one, e.g. [[listen]] address = \"127.0.0.1:8080\"");
  }
  if (const toml::node* n = top.node("site")) {
    load_sites(*n, ctx, c.sites);
  } else {
    ctx.errors.add(SourcePos{1, 1},
                   "no [[site]] table: add one (a site without 'hosts' answers every host)");
  }
  top.finish();
}

}  // namespace

std::vector<const toml::table*> tables_of(const toml::node& node, std::string_view key,
                                          ConfigErrors& errors) {
  std::vector<const toml::table*> out;
  if (!node.is_array()) {
    errors.add(position_of(node), "'" + std::string(key) + "' must be an array of tables ([[" +
                                      std::string(key) + "]]), not " +
                                      std::string(type_name(node)));
    return out;
  }
  size_t i = 0;
  for (const toml::node& item : *node.as_array()) {
    if (item.is_table()) {
      out.push_back(item.as_table());
    } else {
      errors.add(position_of(item), "'" + std::string(key) + "[" + std::to_string(i) +
                                        "]' must be a table, not " + std::string(type_name(item)));
    }
    ++i;
  }
  return out;
}

std::string check_field_name(std::string_view name) {
  if (name.empty()) return "is empty";
  for (unsigned char c : name) {
    // RFC 9110 5.6.2: token = 1*tchar
    bool tchar =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!tchar) return "is not a valid field name (letters, digits and !#$%&'*+-.^_`|~ only)";
  }
  return {};
}

std::string check_field_value(std::string_view value) {
  for (unsigned char c : value) {
    // RFC 9110 5.5: no CR, LF or NUL (or other controls but HTAB) in a field value.
    if ((c < 0x20 && c != '\t') || c == 0x7f) return "contains a control character";
  }
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ' || value.front() == '\t' ||
                         value.back() == '\t')) {
    return "has leading or trailing whitespace";
  }
  return {};
}

LoadResult load_config_text(std::string_view text, const std::string& path) {
  LoadResult result;
  ConfigErrors errors(path);
  auto config = std::make_shared<Config>();
  config->path = path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  config->dir = (ec ? std::filesystem::path(".") : abs.parent_path()).lexically_normal().string();
  LoadContext ctx{errors, config->dir, &all_schemas(), config.get()};
  try {
    toml::table doc = toml::parse(text, path);
    load_document(doc, ctx, *config);
  } catch (const toml::parse_error& e) {
    errors.add(SourcePos{static_cast<int>(e.source().begin.line),
                         static_cast<int>(e.source().begin.column)},
               std::string(e.description()));
  }
  result.errors = errors.take();
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    result.errors.push_back(ConfigError{
        path, 0, 0, exists ? "cannot read the file (permission denied?)" : "no such file"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), path);
}

}  // namespace portico::server
