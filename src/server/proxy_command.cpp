// `portico proxy`: a reverse proxy from command-line flags (every path to the upstreams).
#include "server/proxy_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>

#include "base/build_info.h"
#include "portico/base/log.h"
#include "portico/http/server.h"
#include "portico/proxy/proxy_handler.h"
#include "server/access_log.h"
#include "server/cli.h"
#include "server/logging.h"
#include "server/units.h"

namespace portico::server {

namespace {

// "30" is seconds (the flag's documented unit); "500ms", "2m" carry their own.
std::optional<uint64_t> parse_seconds_or_duration(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 6) return std::nullopt;
    return std::stoull(text) * 1000;
  }
  return parse_duration_ms(text);
}

bool usage(const std::string& message) {
  std::fprintf(stderr, "portico: %s\n", message.c_str());
  return false;
}

bool duration_flag(const char* flag, const std::string& text, uint32_t& out) {
  if (text.empty()) return true;
  auto ms = parse_seconds_or_duration(text);
  if (!ms || *ms == 0 || *ms > 24ull * 3600 * 1000) {
    return usage(std::string(flag) + " '" + text + "': expected seconds or a duration like 500ms");
  }
  out = static_cast<uint32_t>(*ms);
  return true;
}

bool build_options(const ProxyCommandOptions& o, proxy::ProxyOptions& p) {
  for (const std::string& spec : o.to) {
    std::string err;
    auto target = proxy::parse_upstream_target(spec, &err);
    if (!target) return usage("--to: " + err);
    p.upstreams.push_back(std::move(*target));
  }
  if (p.upstreams.empty()) return usage("--to: at least one upstream URL is required");
  if (!proxy::apply_balance_name(o.balance, p)) {
    return usage("--balance '" + o.balance +
                 "': expected round-robin, least-conn, ip-hash, hash, p2c, sticky or redirect");
  }
  if (o.hash_key == "path") {
    p.hash_key = proxy::HashKeySource::kPath;
  } else if (o.hash_key.rfind("header:", 0) == 0) {
    p.hash_key = proxy::HashKeySource::kHeader;
    p.hash_key_name = o.hash_key.substr(7);
  } else if (o.hash_key.rfind("cookie:", 0) == 0) {
    p.hash_key = proxy::HashKeySource::kCookie;
    p.hash_key_name = o.hash_key.substr(7);
  } else {
    return usage("--hash-key '" + o.hash_key + "': expected path, header:NAME or cookie:NAME");
  }
  uint32_t upstream_ms = 0;
  if (!duration_flag("--upstream-timeout", o.upstream_timeout, upstream_ms)) return false;
  if (upstream_ms != 0) p.read_timeout_ms = p.send_timeout_ms = upstream_ms;
  if (!duration_flag("--connect-timeout", o.connect_timeout, p.connect_timeout_ms)) return false;
  p.max_retries = o.retries;
  p.retry_post = o.retry_post;
  p.pool_max_idle = o.pool_size;
  if (o.host_header == "pass") {
    p.forward.host_mode = proxy::HostMode::kPass;
  } else if (o.host_header == "upstream") {
    p.forward.host_mode = proxy::HostMode::kUpstream;
  } else {
    p.forward.host_mode = proxy::HostMode::kFixed;
    p.forward.fixed_host = o.host_header;
  }
  p.forward.strip_prefix = o.strip_prefix;
  p.forward.add_prefix = o.add_prefix;
  p.tls_verify = !o.upstream_insecure;
  p.tls_ca_file = o.upstream_ca;
  if (!o.health_check.empty()) {
    proxy::ActiveCheckOptions a;
    a.path = o.health_check;
    if (!duration_flag("--health-interval", o.health_interval, a.interval_ms)) return false;
    if (a.timeout_ms > a.interval_ms) a.timeout_ms = a.interval_ms;
    p.active_health = a;
  } else if (!o.health_interval.empty()) {
    return usage("--health-interval needs --health-check PATH");
  }
  if (std::string err = p.validate(); !err.empty()) return usage(err);
  return true;
}

}  // namespace

void add_proxy_command(CLI::App& app, ProxyCommandOptions& o) {
  auto* cmd = app.add_subcommand("proxy", "Reverse proxy / load balancer to upstream servers");
  cmd->add_option("--to", o.to, "Upstream URL[;weight=N], comma-separated or repeated")
      ->required()
      ->delimiter(',');
  cmd->add_option("--listen,-l", o.listen, "Address to listen on, HOST:PORT (repeatable)");
  cmd->add_option("--balance", o.balance,
                  "round-robin, least-conn, ip-hash, hash, p2c, sticky or redirect");
  cmd->add_option("--hash-key", o.hash_key,
                  "Key of --balance hash: path, header:NAME, cookie:NAME");
  cmd->add_option("--upstream-timeout", o.upstream_timeout,
                  "Longest wait for upstream bytes, in seconds (504 after; default 60)");
  cmd->add_option("--connect-timeout", o.connect_timeout, "Upstream connect timeout (default 5)");
  cmd->add_option("--health-check", o.health_check, "Path probed with GET on every upstream");
  cmd->add_option("--health-interval", o.health_interval, "Time between probes (default 5)");
  cmd->add_option("--retries", o.retries, "Other servers tried after a failure (default 2)");
  cmd->add_flag("--retry-post", o.retry_post, "Retry non-idempotent requests (POST) too");
  cmd->add_option("--pool-size", o.pool_size, "Idle keep-alive connections per upstream server");
  cmd->add_option("--host-header", o.host_header, "Host sent upstream: pass, upstream or a value");
  cmd->add_option("--strip-prefix", o.strip_prefix, "Path prefix removed before forwarding");
  cmd->add_option("--add-prefix", o.add_prefix, "Path prefix added before forwarding");
  cmd->add_flag("--upstream-insecure", o.upstream_insecure,
                "Do not verify https upstreams' certificates");
  cmd->add_option("--upstream-ca", o.upstream_ca, "CA file for https upstreams");
  cmd->add_option("--threads,-t", o.threads, "Worker threads (default: number of cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--event-backend", o.event_backend, "Event backend")
      ->check(CLI::IsMember({"epoll", "poll"}));
  cmd->add_option("--access-log", o.access_log, "Access log file, '-' for stdout");
  add_error_log_flags(*cmd, o.error_log, o.log_level);
  add_status_flags(*cmd, o.status);
}

int run_proxy(const ProxyCommandOptions& o) {
  try {
    setup_error_log(o.error_log, o.log_level);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }
  proxy::ProxyOptions popts;
  if (!build_options(o, popts)) return kExitUsage;
  popts.name = "proxy";
  // The id a client sent in --request-id-header (or the one portico made) goes upstream in it.
  if (!o.status.request_id_header.empty()) {
    popts.forward.request_id_header = o.status.request_id_header;
  }
  http::AsyncHandler handler;
  try {
    handler = proxy::make_proxy_handler(popts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitUsage;
  }

  http::ServerOptions options;
  options.listen = o.listen.empty() ? std::vector<std::string>{"127.0.0.1:8080"} : o.listen;
  options.threads = o.threads;
  options.backend = o.event_backend == "poll" ? net::Backend::kPoll : net::Backend::kEpoll;
  options.server_header = std::string("portico/") + build::kVersion;
  std::optional<StatusOptions> status_options;
  if (std::string err; !apply_status_flags(o.status, &status_options, options, &err)) {
    std::fprintf(stderr, "portico: %s\n", err.c_str());
    return kExitUsage;
  }
  std::unique_ptr<StatusService> status;  // before the server: it runs on the server's loops
  std::unique_ptr<AccessLog> access_log;
  try {
    if (!o.access_log.empty()) {
      // Combined, plus the proxy's note: which upstream answered, or why none did.
      AccessLogOptions lo;
      lo.path = o.access_log;
      lo.format = AccessLogFormat::kCustom;
      lo.format_string =
          "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent "
          "\"$http_referer\" \"$http_user_agent\" $note";
      access_log = std::make_unique<AccessLog>(std::move(lo));
      const AccessLog* log = access_log.get();
      options.access_log = [log](const http::AccessLogEntry& e) { log->write(e); };
    }
    if (status_options) {
      status = std::make_unique<StatusService>(std::move(*status_options));
      status->set_upstream_probe(proxy::append_upstream_status);
      options.access_log = status->count_then(std::move(options.access_log));
    }
    http::Server server(std::move(options));
    server.router().mount_async("/", handler);
    if (status) {
      // The status path first; every other request goes upstream.
      const StatusService* s = status.get();
      const http::Router* router = &server.router();
      server.set_async_lookup([s, router](const http::Request& r) -> const http::AsyncHandler* {
        if (const http::AsyncHandler* h = s->find(r)) return h;
        return router->find_async(r);
      });
    }
    server.start();
    if (status) status->attach(server);
    for (const auto& a : server.listen_addresses()) {
      LOG_INFO("listening on http://%s/ (proxy to %zu upstream(s), balance %s)",
               a.to_string().c_str(), popts.upstreams.size(), o.balance.c_str());
    }
    server.run();
    LOG_INFO("stopped");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace portico::server
