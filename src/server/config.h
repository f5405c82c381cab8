// The configuration snapshot: everything portico.toml says, validated, with paths made absolute.
// Immutable once loaded; shared by std::shared_ptr<const Config> and replaced whole on reload.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "portico/http/client_address.h"
#include "portico/http/method.h"
#include "portico/http/rate_limit.h"
#include "portico/http/request_limits.h"
#include "portico/http/site_router.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_server.h"
#include "portico/proxy/forward_proxy.h"
#include "portico/proxy/proxy_options.h"

namespace portico::server {

// Where a table or value was written (1-based; 0 when not from a file).
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct TlsSettings {
  std::string cert;  // absolute paths
  std::string key;
  SourcePos pos;

  friend bool operator==(const TlsSettings& a, const TlsSettings& b) {
    return a.cert == b.cert && a.key == b.key;
  }
};

struct ListenerConfig {
  std::string address;  // as written, e.g. "127.0.0.1:8080"
  net::InetAddress addr;
  net::ListenOptions options;
  std::optional<TlsSettings> tls;
  SourcePos pos;
};

// Static files for a site or a route (see http::StaticOptions).
struct StaticConfig {
  std::string root;  // absolute
  std::vector<std::string> index = {"index.html"};
  bool browse = false;
  bool uploads = false;
  bool dotfiles = false;
  bool symlinks = false;
};

struct RedirectConfig {
  std::string to;  // the template text
  int status = 302;
};

struct RespondConfig {
  int status = 200;
  std::string body;  // from `body`, or the contents of `file`
  std::string content_type = "text/plain; charset=utf-8";
};

// Access control of a site or a route (docs/access.md): allow/deny rules, a rate limit, Basic
// auth. What a route leaves unset comes from its site.
struct AccessConfig {
  std::vector<std::string> rules;  // "allow CIDR" / "deny CIDR" / "... all", in order; checked
  std::optional<http::RateLimit> rate_limit;
  std::string auth_file;  // absolute; empty: no Basic auth
  std::string auth_realm = "portico";
  bool empty() const { return rules.empty() && !rate_limit && auth_file.empty(); }
};

struct RouteConfig {
  std::string path;
  http::PathMatch match = http::PathMatch::kPrefix;
  // monostate: the site's static files (the route only adds headers, limits, methods).
  // ProxyOptions: the `proxy = { ... }` action (server/config_proxy.cpp).
  std::variant<std::monostate, StaticConfig, RedirectConfig, RespondConfig, proxy::ProxyOptions>
      handler;
  std::vector<http::Method> methods;
  http::HeaderEdits headers;
  std::string cache_control;
  std::optional<int64_t> expires_secs;
  std::optional<uint64_t> max_body_bytes;
  AccessConfig access;
  SourcePos pos;
};

struct SiteConfig {
  std::vector<std::string> hosts;     // lowercase; empty: the default site
  std::optional<StaticConfig> files;  // from the site's `root` and static keys
  std::vector<RouteConfig> routes;
  std::string canonical_host;
  bool https_redirect = false;
  uint16_t https_port = 443;
  http::HeaderEdits headers;
  std::string hsts;  // the Strict-Transport-Security value; empty: none
  AccessConfig access;
  SourcePos pos;
};

enum class AccessLogFormat { kCombined, kCommon, kJson, kCustom };

struct LogConfig {
  std::string error_log;  // absolute path; empty: stderr
  std::string level = "info";
  std::string access_log;  // absolute path, "-" for stdout, empty: none
  AccessLogFormat access_format = AccessLogFormat::kCombined;
  std::string access_format_string;  // kCustom: "$remote_addr $status ..."
  uint32_t flush_interval_ms = 1000;
  uint64_t buffer_bytes = 64 * 1024;
  uint32_t slow_request_ms = 0;                    // slow_request: log slower requests; 0 off
  std::string request_id_header = "X-Request-Id";  // "" : ids are always generated
};

// [status]: the status page, PATH/json and PATH/metrics (docs/status.md).
struct StatusSettings {
  std::string path;                                             // empty: off
  std::vector<std::string> allow = {"127.0.0.0/8", "::1/128"};  // CIDRs, as written
  SourcePos pos;
};

struct ServerSettings {
  int threads = 0;  // 0: one per core
  net::Backend backend = net::Backend::kEpoll;
  std::string server_header = "portico";  // "" omits the field
  bool hide_version = false;
  bool allow_trace = false;
  http::Status unknown_host_status = http::Status::kMisdirectedRequest;
  uint32_t shutdown_timeout_ms = 10'000;
  std::string user;     // drop to this user after binding; empty: stay
  std::string group;    // and this group; empty: the user's primary group
  std::string pidfile;  // absolute; empty: none
  // Peers whose X-Forwarded-For (or Forwarded) names the client (docs/access.md); CIDR texts.
  std::vector<std::string> trusted_proxies;
  http::ForwardedField trusted_proxy_header = http::ForwardedField::kXForwardedFor;
  // Open connections one client address may hold per worker thread; 0: no limit.
  uint32_t max_connections_per_client = 0;
};

struct Config {
  std::string path;  // the file, as given on the command line
  std::string dir;   // its folder, absolute: relative paths inside are resolved against it
  ServerSettings server;
  http::RequestLimits limits;
  uint32_t send_timeout_ms = 60'000;
  LogConfig log;
  StatusSettings status;
  // [forward_proxy]: CONNECT and absolute-form requests on every listener (forward-proxy.md).
  std::optional<proxy::ForwardProxyOptions> forward_proxy;
  std::vector<ListenerConfig> listeners;
  std::vector<SiteConfig> sites;
};

}  // namespace portico::server
