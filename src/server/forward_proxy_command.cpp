// `portico forward-proxy`: a forward proxy from command-line flags.
#include "server/forward_proxy_command.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <exception>
#include <memory>

#include "base/build_info.h"
#include "portico/base/log.h"
#include "portico/http/server.h"
#include "portico/proxy/forward_proxy.h"
#include "server/access_log.h"
#include "server/cli.h"
#include "server/logging.h"
#include "server/units.h"

namespace portico::server {

namespace {

bool usage(const std::string& message) {
  std::fprintf(stderr, "portico: %s\n", message.c_str());
  return false;
}

// "30" is seconds (the flags' documented unit); "500ms", "2m" carry their own.
bool duration_flag(const char* flag, const std::string& text, uint32_t& out) {
  if (text.empty()) return true;
  std::optional<uint64_t> ms;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() <= 6) ms = std::stoull(text) * 1000;
  } else {
    ms = parse_duration_ms(text);
  }
  if (!ms || *ms == 0 || *ms > 24ull * 3600 * 1000) {
    return usage(std::string(flag) + " '" + text + "': expected seconds or a duration like 500ms");
  }
  out = static_cast<uint32_t>(*ms);
  return true;
}

bool build_options(const ForwardProxyCommandOptions& o, proxy::ForwardProxyOptions& p) {
  p.access.allowed_ports.clear();
  for (const std::string& s : o.allow_ports) {
    uint32_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || n == 0 || n > 65535) {
      return usage("--allow-ports '" + s + "': expected port numbers 1..65535");
    }
    p.access.allowed_ports.push_back(static_cast<uint16_t>(n));
  }
  p.access.allow_networks = o.allow_networks;
  p.access.deny_networks = o.deny_networks;
  p.access.allow_hosts = o.allow_hosts;
  p.access.deny_hosts = o.deny_hosts;
  p.access.client_networks = o.client_networks;
  p.auth_file = o.auth_file;
  p.auth_realm = o.auth_realm;
  if (!duration_flag("--connect-timeout", o.connect_timeout, p.connect_timeout_ms)) return false;
  if (!duration_flag("--idle-timeout", o.idle_timeout, p.tunnel_idle_timeout_ms)) return false;
  if (!duration_flag("--upstream-timeout", o.upstream_timeout, p.upstream_timeout_ms)) {
    return false;
  }
  p.max_tunnels = o.max_tunnels;
  p.max_tunnels_per_client = o.max_tunnels_per_client;
  p.dns.servers = o.dns_servers;
  if (std::string err = p.validate(); !err.empty()) return usage(err);
  return true;
}

}  // namespace

void add_forward_proxy_command(CLI::App& app, ForwardProxyCommandOptions& o) {
  auto* cmd = app.add_subcommand("forward-proxy",
                                 "Forward proxy: CONNECT tunnels and http:// requests for clients");
  cmd->add_option("--listen,-l", o.listen,
                  "Address to listen on, HOST:PORT (repeatable; default 127.0.0.1:3128)");
  cmd->add_option("--allow-ports", o.allow_ports, "Target ports allowed (default 443,80)")
      ->delimiter(',');
  cmd->add_option("--allow-networks", o.allow_networks,
                  "CIDR networks allowed although non-public (e.g. 127.0.0.0/8)")
      ->delimiter(',');
  cmd->add_option("--deny-networks", o.deny_networks, "CIDR networks refused as targets")
      ->delimiter(',');
  cmd->add_option("--allow-hosts", o.allow_hosts,
                  "Only these target names (NAME or *.DOMAIN; default: any)")
      ->delimiter(',');
  cmd->add_option("--deny-hosts", o.deny_hosts, "Target names refused (NAME or *.DOMAIN)")
      ->delimiter(',');
  cmd->add_option("--client-networks", o.client_networks,
                  "CIDR networks of clients allowed to use the proxy (default: any)")
      ->delimiter(',');
  cmd->add_option("--auth-file", o.auth_file,
                  "User file for Proxy-Authorization: Basic (see portico passwd)");
  cmd->add_option("--auth-realm", o.auth_realm, "Realm shown in the 407 challenge");
  cmd->add_option("--connect-timeout", o.connect_timeout, "Target connect timeout (default 10)");
  cmd->add_option("--idle-timeout", o.idle_timeout, "Tunnel idle timeout (default 300)");
  cmd->add_option("--upstream-timeout", o.upstream_timeout,
                  "http:// requests: longest wait for origin bytes (default 60)");
  cmd->add_option("--max-tunnels", o.max_tunnels, "Open tunnels at most (default 10000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-tunnels-per-client", o.max_tunnels_per_client,
                  "Open tunnels per client address at most (default 256)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--dns-servers", o.dns_servers,
                  "Name servers, e.g. 10.0.0.2,127.0.0.1:5353 (default: /etc/resolv.conf)");
  cmd->add_option("--threads,-t", o.threads, "Worker threads (default: number of cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--access-log", o.access_log, "Access log file, '-' for stdout");
  cmd->add_option("--access-log-format", o.access_log_format,
                  "combined (with the proxy's note appended) or json")
      ->check(CLI::IsMember({"combined", "json"}));
  add_error_log_flags(*cmd, o.error_log, o.log_level);
}

int run_forward_proxy(const ForwardProxyCommandOptions& o) {
  try {
    setup_error_log(o.error_log, o.log_level);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }
  proxy::ForwardProxyOptions popts;
  if (!build_options(o, popts)) return kExitUsage;
  http::AsyncHandler handler;
  try {
    handler = proxy::make_forward_proxy_handler(popts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitUsage;
  }

  http::ServerOptions options;
  options.listen = o.listen.empty() ? std::vector<std::string>{"127.0.0.1:3128"} : o.listen;
  options.threads = o.threads;
  options.server_header = std::string("portico/") + build::kVersion;
  std::unique_ptr<AccessLog> access_log;
  try {
    if (!o.access_log.empty()) {
      // Combined format plus the proxy's note: target, address, bytes each way, duration and
      // why the tunnel ended (docs/forward-proxy.md). --access-log-format json has it as "note".
      AccessLogOptions lo;
      lo.path = o.access_log;
      if (o.access_log_format == "json") {
        lo.format = AccessLogFormat::kJson;
      } else {
        lo.format = AccessLogFormat::kCustom;
        lo.format_string =
            "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent "
            "\"$http_referer\" \"$http_user_agent\" $request_time $note";
      }
      access_log = std::make_unique<AccessLog>(lo);
      const AccessLog* log = access_log.get();
      options.access_log = [log](const http::AccessLogEntry& e) { log->write(e); };
    }
    http::Server server(std::move(options));
    // Every request goes to the proxy handler, which refuses those that are not for a proxy
    // (origin-form) with 400; the rest (unknown methods, OPTIONS *) are answered here.
    server.set_handler([](const http::Request&, http::Response& r) {
      r = http::Response::error(http::Status::kBadRequest);
      r.set_body(
          "Bad Request: this is a forward proxy: send CONNECT host:port or an absolute URL\n",
          "text/plain; charset=utf-8");
    });
    server.set_async_lookup([&handler](const http::Request&) { return &handler; });
    server.start();
    for (const auto& a : server.listen_addresses()) {
      LOG_INFO("listening on http://%s/ (forward proxy, ports %zu allowed%s)",
               a.to_string().c_str(), popts.access.allowed_ports.size(),
               popts.auth_file.empty() ? "" : ", authentication required");
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
