// AccessPolicy: the allow/deny, rate limit and Basic auth checks in order, and their answers.
#include "portico/http/access_policy.h"

#include <string>

namespace portico::http {

AccessPolicy AccessPolicy::inherit(const AccessPolicy& outer) const {
  AccessPolicy p = *this;
  if (p.rules.empty()) p.rules = outer.rules;
  if (!p.rate_limit) p.rate_limit = outer.rate_limit;
  if (!p.auth) p.auth = outer.auth;
  return p;
}

Response forbidden_response() {
  Response r(Status::kForbidden);
  r.set_body("403 Forbidden: access from your address is not allowed here.\n",
             "text/plain; charset=utf-8");
  return r;
}

Response too_many_requests_response(int64_t retry_after_ms) {
  // RFC 6585 4: 429 may say how long to wait; RFC 9110 10.2.3: Retry-After in seconds.
  const std::string seconds = std::to_string(retry_after_seconds(retry_after_ms));
  Response r(Status::kTooManyRequests);
  r.set_header("Retry-After", seconds);
  r.set_body("429 Too Many Requests: the rate limit was reached; retry after " + seconds + " s.\n",
             "text/plain; charset=utf-8");
  return r;
}

AccessVerdict check_access(const AccessPolicy& policy, const Request& request,
                           const net::IpAddress& client, Response& out) {
  if (!policy.rules.allows(client)) {
    out = forbidden_response();
    return AccessVerdict::kForbidden;
  }
  if (policy.rate_limit) {
    RateLimiter& limiter = *policy.rate_limit;
    RateDecision d = limiter.check(limiter.key_for(request, client));
    if (!d.allowed) {
      out = too_many_requests_response(d.retry_after_ms);
      return AccessVerdict::kRateLimited;
    }
  }
  if (policy.auth) {
    // The failed-attempt limiter counts per effective client, not per proxy.
    const std::string key = client.to_string();
    if (!policy.auth->check(request, out, key).allowed()) return AccessVerdict::kUnauthorized;
  }
  return AccessVerdict::kAllowed;
}

Handler guard(AccessPolicy policy, TrustedProxies trusted, Handler inner) {
  if (policy.empty()) return inner;
  return [policy = std::move(policy), trusted = std::move(trusted), inner = std::move(inner)](
             const Request& request, Response& response) {
    if (check_access(policy, request, client_address(request, trusted), response) ==
        AccessVerdict::kAllowed) {
      inner(request, response);
    }
  };
}

}  // namespace portico::http
