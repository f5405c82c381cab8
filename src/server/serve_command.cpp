// `portico serve`: a static file server from command-line flags.
#include "server/serve_command.h"

#include <exception>
#include <memory>
#include <optional>

#include "base/build_info.h"
#include "portico/base/log.h"
#include "portico/http/server.h"
#include "portico/http/static_files.h"
#include "server/access_log.h"
#include "server/cli.h"
#include "server/logging.h"
#include "server/status_flags.h"
#include "server/tls_setup.h"
#include "server/units.h"

namespace portico::server {

int run_serve(const ServeOptions& o) {
  try {
    setup_error_log(o.error_log, o.log_level);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }

  http::StaticOptions static_options;
  static_options.root = o.root;
  static_options.browse = o.browse;
  static_options.allow_dotfiles = o.allow_dotfiles;
  static_options.allow_symlinks = o.allow_symlinks;
  static_options.allow_uploads = o.allow_uploads;
  for (const auto& spec : o.cache_rules) {
    auto rule = http::parse_cache_rule(spec);
    if (!rule) {
      std::fprintf(stderr, "portico: --cache-control '%s': expected PATTERN=VALUE\n", spec.c_str());
      return kExitUsage;
    }
    static_options.cache_rules.push_back(std::move(*rule));
  }
  // Compression and language negotiation (server/compression_flags.cpp, docs/compression.md).
  if (std::string err; !apply_compression_flags(o.compression, static_options, &err)) {
    std::fprintf(stderr, "portico: %s\n", err.c_str());
    return kExitUsage;
  }
  static_options.compression.cache_shards = o.threads > 0 ? static_cast<size_t>(o.threads) : 0;

  http::ServerOptions options;
  // With --tls-listen alone there is no plain listener (only an explicit --listen adds one).
  options.listen = o.listen.empty() && o.tls_listen.empty()
                       ? std::vector<std::string>{"127.0.0.1:8080"}
                       : o.listen;
  options.threads = o.threads;
  options.backend = o.event_backend == "poll" ? net::Backend::kPoll : net::Backend::kEpoll;
  options.allow_trace = o.allow_trace;
  options.server_header = o.server_header;
  if (!o.server_header.empty() && o.server_header == "portico" && !o.hide_version) {
    options.server_header = std::string("portico/") + build::kVersion;
  }
  if (o.allow_uploads) options.limits.max_body_bytes = 64ull * 1024 * 1024;
  struct DurationFlag {
    const char* flag;
    const std::string& text;
    uint32_t* out;
  };
  DurationFlag durations[] = {
      {"--header-timeout", o.header_timeout, &options.limits.header_timeout_ms},
      {"--body-timeout", o.body_timeout, &options.limits.body_idle_timeout_ms},
      {"--keepalive-timeout", o.keepalive_timeout, &options.limits.keepalive_timeout_ms},
      {"--send-timeout", o.send_timeout, &options.send_timeout_ms},
  };
  for (const auto& d : durations) {
    if (d.text.empty()) continue;
    auto ms = parse_duration_ms(d.text);
    if (!ms || *ms == 0 || *ms > 24ull * 3600 * 1000) {
      std::fprintf(stderr, "portico: %s '%s': expected a duration like 10s or 500ms\n", d.flag,
                   d.text.c_str());
      return kExitUsage;
    }
    *d.out = static_cast<uint32_t>(*ms);
  }
  if (!o.max_body_size.empty()) {
    auto bytes = parse_size_bytes(o.max_body_size);
    if (!bytes) {
      std::fprintf(stderr, "portico: --max-body-size '%s': expected a size like 1m or 512k\n",
                   o.max_body_size.c_str());
      return kExitUsage;
    }
    options.limits.max_body_bytes = *bytes;
  }
  if (o.max_requests > 0) options.limits.max_requests_per_connection = o.max_requests;

  // --- HTTPS: certificates are checked before anything binds (exit 2 on a bad file). ---
  std::unique_ptr<HttpsSetup> https;
  try {
    https = HttpsSetup::create(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitUsage;
  }
  if (https) https->add_listeners(options);

  // Access control: checked (and the user file loaded) before anything binds; exit 2 if bad.
  AccessSetup access;
  if (std::string err; !apply_access_flags(o.access, access, &err)) {
    std::fprintf(stderr, "portico: %s\n", err.c_str());
    return kExitUsage;
  }

  // Status page, request ids, slow request log (server/status_flags.cpp, docs/status.md).
  std::optional<StatusOptions> status_options;
  if (std::string err; !apply_status_flags(o.status, &status_options, options, &err)) {
    std::fprintf(stderr, "portico: %s\n", err.c_str());
    return kExitUsage;
  }
  // Declared before the server: its timer and handlers run on the server's loops.
  std::unique_ptr<StatusService> status;

  std::unique_ptr<AccessLog> access_log;
  try {
    if (!o.access_log.empty()) {
      access_log = std::make_unique<AccessLog>(o.access_log);
      const AccessLog* log = access_log.get();
      options.access_log = [log](const http::AccessLogEntry& e) { log->write(e); };
    }
    http::StaticFiles files(static_options);
    if (status_options) {
      status = std::make_unique<StatusService>(std::move(*status_options));
      options.access_log = status->count_then(std::move(options.access_log));
    }
    install_access(access, options);  // after every listener and the log sink are set
    http::Handler guarded = guard_handler(access, files);
    http::Server server(std::move(options));
    server.set_handler(https ? https->wrap_handler(guarded) : guarded);
    if (status) {
      const StatusService* s = status.get();
      server.set_async_lookup([s](const http::Request& r) { return s->find(r); });
    }
    server.start();
    if (status) status->attach(server);
    size_t tls_count = https ? https->tls_listener_count() : 0;  // listed first
    std::vector<net::InetAddress> addresses = server.listen_addresses();
    for (size_t i = 0; i < addresses.size(); ++i) {
      LOG_INFO("listening on %s://%s/ (root %s)", i < tls_count ? "https" : "http",
               addresses[i].to_string().c_str(), o.root.c_str());
    }
    if (https) https->start(server);
    server.run();
    if (https) https->stop();
    LOG_INFO("stopped");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace portico::server
