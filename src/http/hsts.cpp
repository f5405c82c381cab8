// HSTS: a handler wrapper that adds Strict-Transport-Security on secure responses.
#include "portico/http/hsts.h"

#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

std::string hsts_header_value(const HstsPolicy& policy) {
  std::string v = "max-age=" + std::to_string(policy.max_age_s);
  if (policy.include_subdomains) v += "; includeSubDomains";
  return v;
}

Handler with_hsts(Handler inner, HstsPolicy policy) {
  return [inner = std::move(inner), value = hsts_header_value(policy)](const Request& req,
                                                                       Response& res) {
    inner(req, res);
    if (!req.is_secure()) return;
    if (!res.headers().contains("Strict-Transport-Security")) {
      res.set_header("Strict-Transport-Security", value);
    }
  };
}

}  // namespace portico::http
