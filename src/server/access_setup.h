// Config -> access-control objects: the AccessPolicy of a site or route, the trusted proxies,
// and the access-log sink that records the effective client address.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "portico/http/access_policy.h"
#include "portico/http/client_address.h"
#include "portico/http/server.h"
#include "portico/http/site_router.h"
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

// One site's or route's access limits, for the status page.
struct AccessLimitInfo {
  std::string site;            // the site's first host name, or "(default)"
  std::string route;           // the route's path; "" for the site itself
  std::string rules;           // AccessRules::to_string(); "" when there are none
  std::string rate;            // "10/s burst 20 per client"; "" when there is no limit
  uint64_t rate_rejected = 0;  // requests refused so far by that limiter (shared by routes)
  std::string auth_realm;      // "" when there is no Basic auth
};
// Every site and every route that has (or inherits nothing but has its own) access settings;
// routes without their own settings are left out (they use their site's).
std::vector<AccessLimitInfo> describe_access(const http::SiteRouter& router);

// Writes an access-log line with the effective client address (the client behind a trusted
// proxy, port 0) in place of the peer when they differ.
void write_access_log(const AccessLog& log, const http::AccessLogEntry& entry,
                      const http::TrustedProxies& trusted);

}  // namespace portico::server
