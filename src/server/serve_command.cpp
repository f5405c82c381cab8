// `portico serve`: a static file server from command-line flags.
#include "server/serve_command.h"

#include <exception>
#include <memory>

#include "base/build_info.h"
#include "portico/base/log.h"
#include "portico/http/server.h"
#include "portico/http/static_files.h"
#include "server/access_log.h"
#include "server/cli.h"
#include "server/logging.h"

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

  http::ServerOptions options;
  options.listen = o.listen.empty() ? std::vector<std::string>{"127.0.0.1:8080"} : o.listen;
  options.threads = o.threads;
  options.backend = o.event_backend == "poll" ? net::Backend::kPoll : net::Backend::kEpoll;
  options.allow_trace = o.allow_trace;
  options.server_header = o.server_header;
  if (!o.server_header.empty() && o.server_header == "portico" && !o.hide_version) {
    options.server_header = std::string("portico/") + build::kVersion;
  }
  if (o.allow_uploads) options.limits.max_body_bytes = 64ull * 1024 * 1024;

  std::unique_ptr<AccessLog> access_log;
  try {
    if (!o.access_log.empty()) {
      access_log = std::make_unique<AccessLog>(o.access_log);
      const AccessLog* log = access_log.get();
      options.access_log = [log](const http::AccessLogEntry& e) { log->write(e); };
    }
    http::StaticFiles files(static_options);
    http::Server server(std::move(options));
    server.set_handler(files);
    server.start();
    for (const auto& addr : server.listen_addresses()) {
      LOG_INFO("listening on http://%s/ (root %s)", addr.to_string().c_str(), o.root.c_str());
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
