// Command-line parsing (CLI11): subcommands, usage errors as one line with exit 2.
#include "server/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "base/build_info.h"
#include "portico/tls/library.h"
#include "server/cert_command.h"
#include "server/compression_flags.h"
#include "server/config_commands.h"
#include "server/forward_proxy_command.h"
#include "server/logging.h"
#include "server/passwd_command.h"
#include "server/proxy_command.h"
#include "server/serve_command.h"
#include "server/status_flags.h"

namespace portico::server {
namespace {

int print_version() {
  std::printf("portico %s\n", build::kVersion);
  std::printf("build type: %s\n", build::kBuildType);
  std::printf("TLS library: %s\n", tls::library_version().c_str());
  std::printf("event backends: epoll (default), poll\n");
  return kExitOk;
}

void add_serve(CLI::App& app, ServeOptions& o) {
  auto* serve = app.add_subcommand("serve", "Serve static files from DIR (default: .)");
  serve->add_option("dir", o.root, "Document root")->check(CLI::ExistingDirectory);
  serve->add_option("--listen,-l", o.listen, "Address to listen on, HOST:PORT (repeatable)");
  serve->add_option("--threads,-t", o.threads, "Worker threads (default: number of cores)")
      ->check(CLI::Range(0, 1024));
  serve->add_option("--event-backend", o.event_backend, "Event backend")
      ->check(CLI::IsMember({"epoll", "poll"}));
  serve->add_flag("--browse", o.browse, "List directories without an index file");
  serve->add_flag("--allow-dotfiles", o.allow_dotfiles, "Serve files whose name starts with '.'");
  serve->add_flag("--allow-symlinks", o.allow_symlinks, "Follow symlinks that leave the root");
  serve->add_flag("--allow-uploads", o.allow_uploads, "Enable PUT and DELETE of files");
  serve->add_flag("--allow-trace", o.allow_trace, "Answer TRACE (without Cookie/Authorization)");
  serve->add_option("--access-log", o.access_log,
                    "Access log file in combined format, - for stdout");
  add_error_log_flags(*serve, o.error_log, o.log_level);
  serve->add_option("--server-header", o.server_header, "Server field value ('' omits it)");
  serve->add_flag("--hide-version", o.hide_version, "Send 'portico' without the version");
  serve->add_option("--header-timeout", o.header_timeout,
                    "Time to receive a request head, e.g. 10s (408 after)");
  serve->add_option("--body-timeout", o.body_timeout, "Longest pause inside a body (408 after)");
  serve->add_option("--keepalive-timeout", o.keepalive_timeout, "Idle time between requests");
  serve->add_option("--send-timeout", o.send_timeout, "Longest stall of a client reading");
  serve->add_option("--max-body-size", o.max_body_size, "Largest request body, e.g. 1m (413)");
  serve->add_option("--max-requests", o.max_requests, "Requests per connection");
  serve->add_option("--cache-control", o.cache_rules,
                    "PATTERN=VALUE: Cache-Control for paths matching a glob (repeatable)");
  // Compression and language negotiation (server/compression_flags.cpp, docs/compression.md).
  add_compression_flags(*serve, o.compression);
  // Access control (server/access_flags.cpp, docs/access.md).
  add_access_flags(*serve, o.access);
  // Status page, request ids, slow request log (server/status_flags.cpp, docs/status.md).
  add_status_flags(*serve, o.status);
  // HTTPS (server/tls_setup.cpp checks the combinations).
  serve->add_option("--tls-listen", o.tls_listen, "HTTPS address, HOST:PORT (repeatable)");
  serve->add_option("--cert", o.cert_files,
                    "Certificate chain PEM (repeatable; pairs with --key in order)");
  serve->add_option("--key", o.key_files, "Private key PEM for the --cert at the same position");
  serve->add_option("--client-ca", o.client_ca,
                    "Require client certificates signed by a CA in this PEM file (mTLS)");
  serve
      ->add_option("--hsts", o.hsts_seconds,
                   "Send Strict-Transport-Security: max-age=SECONDS on HTTPS responses")
      ->check(CLI::Range(int64_t{0}, int64_t{2'000'000'000}));
  serve->add_option("--redirect-http", o.redirect_http,
                    "Plain HTTP address, HOST:PORT, answering every request with 301 to https");
}

void add_cert(CLI::App& app, CertOptions& o) {
  auto* cert = app.add_subcommand("cert", "Certificate tools");
  cert->require_subcommand(1);
  auto* self = cert->add_subcommand(
      "self-signed", "Write a development certificate (ECDSA P-256) as cert.pem and key.pem");
  self->add_option("--name", o.name, "Host name or IP the certificate is for")->required();
  self->add_option("--out", o.out_dir, "Directory to write cert.pem and key.pem into")->required();
  self->add_option("--days", o.days, "Validity in days")->check(CLI::Range(1, 3650));
  self->add_flag("--force", o.force, "Replace existing files");
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"portico: web server, reverse proxy and forward proxy for HTTP/1.1 and HTTPS",
               "portico"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("portico ") + build::kVersion);
  auto* version = app.add_subcommand("version", "Print version and build facts");
  ServeOptions serve_options;
  add_serve(app, serve_options);
  ConfigCommandOptions config_options;  // check, run
  add_config_commands(app, config_options);
  CertOptions cert_options;
  add_cert(app, cert_options);
  PasswdOptions passwd_options;
  add_passwd(app, passwd_options);
  ProxyCommandOptions proxy_options;
  add_proxy_command(app, proxy_options);
  ForwardProxyCommandOptions forward_proxy_options;
  add_forward_proxy_command(app, forward_proxy_options);

  // "portico frobnicate": name the unknown subcommand instead of CLI11's generic message.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const auto* sub : app.get_subcommands({})) known = known || sub->get_name() == argv[1];
    if (!known) {
      std::fprintf(stderr, "portico: unknown subcommand '%s' (see 'portico --help')\n", argv[1]);
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = "invalid command line";
    std::fprintf(stderr, "portico: %s (see 'portico --help')\n", what.c_str());
    return kExitUsage;
  }

  if (version->parsed()) return print_version();
  if (app.got_subcommand("serve")) return run_serve(serve_options);
  if (auto status = run_config_commands(app, config_options)) return *status;
  if (app.got_subcommand("cert")) return run_cert_self_signed(cert_options);
  if (app.got_subcommand("passwd")) return run_passwd(passwd_options);
  if (app.got_subcommand("proxy")) return run_proxy(proxy_options);
  if (app.got_subcommand("forward-proxy")) return run_forward_proxy(forward_proxy_options);
  return kExitUsage;
}

}  // namespace portico::server
