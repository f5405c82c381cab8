// `portico serve`: the zero-config static file server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/access_flags.h"
#include "server/compression_flags.h"
#include "server/status_flags.h"

namespace portico::server {

struct ServeOptions {
  std::string root = ".";
  std::vector<std::string> listen;      // HOST:PORT; default 127.0.0.1:8080
  int threads = 0;                      // 0: one per core
  std::string event_backend = "epoll";  // epoll | poll
  bool browse = false;                  // directory listings
  bool allow_dotfiles = false;
  bool allow_symlinks = false;  // symlinks that leave the root
  std::string access_log;       // FILE, "-" for stdout, empty for none
  std::string error_log;        // FILE, empty for stderr
  std::string log_level = "info";
  std::string server_header = "portico";  // Server field; "" omits it
  bool hide_version = false;
  bool allow_uploads = false;  // PUT/DELETE
  bool allow_trace = false;
  std::vector<std::string> cache_rules;  // PATTERN=VALUE for Cache-Control
  // Limits as given (units parsed by run_serve); empty keeps the default.
  std::string header_timeout, body_timeout, keepalive_timeout, send_timeout;
  std::string max_body_size;
  uint32_t max_requests = 0;  // per connection; 0 keeps the default
  // Compression and language negotiation (server/compression_flags.h, docs/compression.md).
  CompressionFlags compression;
  // Allow/deny, rate limit, Basic auth, trusted proxies, connection limit (docs/access.md).
  AccessFlags access;
  // Status page, request ids, slow request log (server/status_flags.h, docs/status.md).
  StatusFlags status;

  // --- HTTPS (server/tls_setup.h) ---
  std::vector<std::string> tls_listen;  // HOST:PORT served over TLS
  std::vector<std::string> cert_files;  // --cert, paired in order with --key
  std::vector<std::string> key_files;
  std::string client_ca;      // mTLS: CA file clients' certificates must chain to
  int64_t hsts_seconds = -1;  // Strict-Transport-Security max-age; -1: no header
  std::string redirect_http;  // HOST:PORT answering 301 to the https URL
};

// Runs until SIGINT/SIGTERM; returns the process exit status.
int run_serve(const ServeOptions& options);

}  // namespace portico::server
