// The access-control flags of `portico serve` (--allow, --deny, --rate-limit, --auth-file, ...)
// and how they are applied to the server: a guarded handler, counted listeners, and an access
// log that records the client behind trusted proxies (docs/access.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "portico/http/access_policy.h"
#include "portico/http/server.h"
#include "portico/net/client_connection_limit.h"

namespace CLI {
class App;
}

namespace portico::server {

struct AccessFlags {
  std::vector<std::string> rules;  // "allow CIDR" / "deny CIDR" in command-line order
  std::string rate_limit;          // "10/s"; empty: none
  uint32_t rate_burst = 0;         // 0: the rate's count
  std::string rate_key = "client";
  std::string auth_file;
  std::string auth_realm = "portico";
  std::vector<std::string> trusted_proxies;
  uint32_t max_connections_per_client = 0;
};

// Declares the flags on the `serve` subcommand.
void add_access_flags(CLI::App& serve, AccessFlags& flags);

// What the flags build.
struct AccessSetup {
  http::AccessPolicy policy;
  http::TrustedProxies trusted;
  std::shared_ptr<net::ClientConnectionLimiter> connection_limiter;  // null: no limit
};

// Checks the flags (loads the user file). On a bad value returns false with one line in *error
// naming the flag and what is wrong.
bool apply_access_flags(const AccessFlags& flags, AccessSetup& out, std::string* error);

// Puts the setup into the server options: every listener (plain ones are moved from `listen`
// to `listeners`) counts connections per client, and the access log sink records the effective
// client address. Call after every listener was added and the sink was set.
void install_access(const AccessSetup& setup, http::ServerOptions& options);

// `inner` behind the policy (the handler itself when the policy is empty).
http::Handler guard_handler(const AccessSetup& setup, http::Handler inner);

}  // namespace portico::server
