// AccessPolicy: who may use a site or a route. Allow/deny rules on the client address (403), a
// request rate limit (429) and Basic authentication (401), checked in that order: a denied
// client spends no rate budget, and a flood is stopped before any password hash is computed.
//
//   http::AccessPolicy policy;
//   policy.rules = *http::AccessRules::parse({"allow 10.0.0.0/8"}, &err);
//   policy.rate_limit = std::make_shared<http::RateLimiter>(limit);
//   server.set_handler(http::guard(policy, trusted, files));  // or Route::access / Site::access
#pragma once

#include <memory>

#include "portico/http/access_rules.h"
#include "portico/http/basic_auth.h"
#include "portico/http/client_address.h"
#include "portico/http/rate_limit.h"
#include "portico/http/request.h"
#include "portico/http/response.h"
#include "portico/http/router.h"

namespace portico::http {

struct AccessPolicy {
  AccessRules rules;                        // empty: every address
  std::shared_ptr<RateLimiter> rate_limit;  // null: no limit (shared: one set of buckets)
  std::shared_ptr<const BasicAuth> auth;    // null: no authentication

  bool empty() const { return rules.empty() && !rate_limit && !auth; }
  // Each part the route leaves unset comes from the site (a route's rules replace the site's
  // rules as a whole, like nginx's allow/deny in a location).
  AccessPolicy inherit(const AccessPolicy& outer) const;
};

enum class AccessVerdict : uint8_t {
  kAllowed,
  kForbidden,     // 403: an allow/deny rule refused the client address
  kRateLimited,   // 429 with Retry-After
  kUnauthorized,  // 401 (or 400 / 429 from the Basic auth check)
};

// Checks the request against the policy; when the verdict is not kAllowed, `out` is the answer
// to send. `client` is the effective client address (client_address.h).
AccessVerdict check_access(const AccessPolicy& policy, const Request& request,
                           const net::IpAddress& client, Response& out);

// The 403 and 429 answers (small plain-text bodies that say what happened).
Response forbidden_response();
Response too_many_requests_response(int64_t retry_after_ms);

// A handler that checks `policy` (with the client address behind `trusted`) before `inner`.
Handler guard(AccessPolicy policy, TrustedProxies trusted, Handler inner);

}  // namespace portico::http
