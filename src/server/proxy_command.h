// `portico proxy`: the zero-config reverse proxy / load balancer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/status_flags.h"

namespace CLI {
class App;
}

namespace portico::server {

struct ProxyCommandOptions {
  std::vector<std::string> to;      // URL[;weight=N], comma-separated or repeated
  std::vector<std::string> listen;  // HOST:PORT; default 127.0.0.1:8080
  std::string balance = "round-robin";
  std::string hash_key = "path";  // path | header:NAME | cookie:NAME
  std::string upstream_timeout;   // read/send timeout: SECONDS or a duration (10s, 500ms)
  std::string connect_timeout;
  std::string health_check;  // PATH probed with GET; empty: passive checks only
  std::string health_interval;
  uint32_t retries = 2;
  bool retry_post = false;
  uint32_t pool_size = 32;
  std::string host_header = "pass";  // pass | upstream | VALUE
  std::string strip_prefix;
  std::string add_prefix;
  bool upstream_insecure = false;  // https upstreams: do not verify certificates
  std::string upstream_ca;
  int threads = 0;
  std::string event_backend = "epoll";
  std::string access_log;
  std::string error_log;
  std::string log_level = "info";
  // Status page, request ids, slow request log (server/status_flags.h, docs/status.md).
  StatusFlags status;
};

// Registers the `proxy` subcommand.
void add_proxy_command(CLI::App& app, ProxyCommandOptions& options);

// Runs until SIGINT/SIGTERM; returns the process exit status.
int run_proxy(const ProxyCommandOptions& options);

}  // namespace portico::server
