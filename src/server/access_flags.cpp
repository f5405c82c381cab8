// The access-control flags of `portico serve` (see access_flags.h).
#include "server/access_flags.h"

#include <CLI/CLI.hpp>

#include "portico/http/basic_auth.h"

namespace portico::server {

void add_access_flags(CLI::App& serve, AccessFlags& f) {
  // Each occurrence is recorded as it is parsed, so --allow and --deny keep their order.
  serve
      .add_option_function<std::string>(
          "--allow", [&f](const std::string& v) { f.rules.push_back("allow " + v); },
          "Allow clients in CIDR (or 'all'); rules apply in order, first match wins (repeatable)")
      ->trigger_on_parse()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  serve
      .add_option_function<std::string>(
          "--deny", [&f](const std::string& v) { f.rules.push_back("deny " + v); },
          "Deny clients in CIDR (or 'all') with 403 (repeatable)")
      ->trigger_on_parse()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  serve.add_option("--rate-limit", f.rate_limit,
                   "Requests per client, e.g. 10/s or 600/min (429 with Retry-After beyond)");
  serve.add_option("--rate-burst", f.rate_burst,
                   "Requests allowed at once (default: the count of --rate-limit)");
  serve.add_option("--rate-key", f.rate_key, "What is limited: client, route or header:NAME");
  serve.add_option("--auth-file", f.auth_file,
                   "Require Basic auth with the users in FILE (made by 'portico passwd')");
  serve.add_option("--auth-realm", f.auth_realm, "Realm shown in the login prompt");
  serve.add_option("--trusted-proxy", f.trusted_proxies,
                   "CIDR of a proxy whose X-Forwarded-For names the client (repeatable)");
  serve.add_option("--max-connections-per-client", f.max_connections_per_client,
                   "Open connections one address may hold per worker thread (0: no limit)");
}

bool apply_access_flags(const AccessFlags& f, AccessSetup& out, std::string* error) {
  std::string why;
  std::vector<http::AccessRule> rules;
  for (const std::string& text : f.rules) {  // "allow X" / "deny X", as add_access_flags made
    const size_t space = text.find(' ');
    const std::string verb = text.substr(0, space);
    const std::string network = text.substr(space + 1);
    auto rule = http::AccessRules::make_rule(
        verb == "allow" ? http::AccessAction::kAllow : http::AccessAction::kDeny, network, &why);
    if (!rule) {
      *error = "--" + verb + " '" + network + "': " + why;
      return false;
    }
    rules.push_back(std::move(*rule));
  }
  out.policy.rules = http::AccessRules(std::move(rules));
  if (!f.rate_limit.empty()) {
    http::RateLimit limit;
    auto rate = http::Rate::parse(f.rate_limit, &why);
    if (!rate) {
      *error = "--rate-limit '" + f.rate_limit + "': " + why;
      return false;
    }
    limit.rate = *rate;
    limit.burst = f.rate_burst > 0 ? f.rate_burst : rate->count;
    auto key = http::RateKey::parse(f.rate_key, &why);
    if (!key) {
      *error = "--rate-key '" + f.rate_key + "': " + why;
      return false;
    }
    limit.key = *key;
    out.policy.rate_limit = std::make_shared<http::RateLimiter>(limit);
  } else if (f.rate_burst > 0) {
    *error = "--rate-burst needs --rate-limit";
    return false;
  }
  if (!f.auth_file.empty()) {
    if (!http::is_valid_realm(f.auth_realm)) {
      *error = "--auth-realm must not contain '\"', '\\' or control characters";
      return false;
    }
    auto auth = http::BasicAuth::load(f.auth_file, f.auth_realm, &why);
    if (!auth) {
      *error = "--auth-file: " + why;
      return false;
    }
    out.policy.auth = std::make_shared<const http::BasicAuth>(std::move(*auth));
  }
  auto trusted = net::NetworkSet::parse(f.trusted_proxies, &why);
  if (!trusted) {
    *error = "--trusted-proxy " + why;
    return false;
  }
  out.trusted.networks = std::move(*trusted);
  if (f.max_connections_per_client > 0) {
    out.connection_limiter =
        std::make_shared<net::ClientConnectionLimiter>(f.max_connections_per_client);
  }
  return true;
}

void install_access(const AccessSetup& setup, http::ServerOptions& options) {
  if (setup.connection_limiter) {
    for (const std::string& address : options.listen) {
      http::Listener plain;
      plain.address = address;
      plain.options = options.listen_options;
      options.listeners.push_back(std::move(plain));
    }
    options.listen.clear();
    for (http::Listener& l : options.listeners) {
      l.transport = net::limit_connections_per_client(setup.connection_limiter, l.transport);
    }
  }
  if (!setup.trusted.networks.empty() && options.access_log) {
    // The log sees the client behind the proxy, as the access checks do.
    options.access_log = [sink = std::move(options.access_log),
                          trusted = setup.trusted](const http::AccessLogEntry& e) {
      if (e.request == nullptr || e.peer == nullptr) return sink(e);
      const net::IpAddress client = http::client_address(*e.request, trusted);
      if (client == net::IpAddress::from(*e.peer)) return sink(e);
      const net::InetAddress effective = client.to_inet_address(0);
      http::AccessLogEntry copy = e;
      copy.peer = &effective;
      sink(copy);
    };
  }
}

http::Handler guard_handler(const AccessSetup& setup, http::Handler inner) {
  return http::guard(setup.policy, setup.trusted, std::move(inner));
}

}  // namespace portico::server
