// Config -> access-control objects: the AccessPolicy of a site or route, the trusted proxies,
// and the access-log sink that records the effective client address.
#pragma once

#include <memory>

#include "portico/http/access_policy.h"
#include "portico/http/client_address.h"
#include "portico/http/server.h"
#include "server/access_log.h"
#include "server/config.h"

namespace portico::server {

// The policy for a site or a route (rules, a fresh rate limiter, the user file loaded). Throws
// std::runtime_error naming the user file when it cannot be loaded (it was checked at config
// load; this is a file changed since).
http::AccessPolicy build_access_policy(const AccessConfig& config);

// Throws std::invalid_argument for a bad network (the config loader has checked them).
http::TrustedProxies build_trusted_proxies(const std::vector<std::string>& networks,
                                           http::ForwardedField field);

// Writes an access-log line with the effective client address (the client behind a trusted
// proxy, port 0) in place of the peer when they differ.
void write_access_log(const AccessLog& log, const http::AccessLogEntry& entry,
                      const http::TrustedProxies& trusted);

}  // namespace portico::server
