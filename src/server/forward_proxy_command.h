// `portico forward-proxy`: the zero-config forward proxy (CONNECT tunnels, absolute-form requests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace portico::server {

struct ForwardProxyCommandOptions {
  std::vector<std::string> listen;  // HOST:PORT; default 127.0.0.1:3128
  std::vector<std::string> allow_ports = {"443", "80"};
  std::vector<std::string> allow_networks;  // exceptions to the default non-public denial
  std::vector<std::string> deny_networks;
  std::vector<std::string> allow_hosts;
  std::vector<std::string> deny_hosts;
  std::vector<std::string> client_networks;
  std::string auth_file;
  std::string auth_realm = "portico proxy";
  std::string connect_timeout;  // SECONDS or a duration (500ms, 10s)
  std::string idle_timeout;
  std::string upstream_timeout;
  size_t max_tunnels = 10'000;
  size_t max_tunnels_per_client = 256;
  std::string dns_servers;  // c-ares CSV; empty: /etc/resolv.conf
  int threads = 0;
  std::string access_log;
  std::string access_log_format = "combined";  // combined (+ note) | json
  std::string error_log;
  std::string log_level = "info";
};

// Registers the `forward-proxy` subcommand.
void add_forward_proxy_command(CLI::App& app, ForwardProxyCommandOptions& options);

// Runs until SIGINT/SIGTERM; returns the process exit status.
int run_forward_proxy(const ForwardProxyCommandOptions& options);

}  // namespace portico::server
