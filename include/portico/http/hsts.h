// HTTP Strict Transport Security (RFC 6797): the header on responses sent over TLS.
#pragma once

#include <cstdint>
#include <string>

#include "portico/http/router.h"

namespace portico::http {

struct HstsPolicy {
  uint32_t max_age_s = 0;  // 0 tells browsers to forget an earlier policy (RFC 6797 6.1.1)
  bool include_subdomains = false;
};

// "max-age=31536000; includeSubDomains"
std::string hsts_header_value(const HstsPolicy& policy);

// Runs inner, then adds Strict-Transport-Security to responses on secure connections only:
// RFC 6797 7.2 forbids it over plain HTTP. A value the handler set itself is kept.
Handler with_hsts(Handler inner, HstsPolicy policy);

}  // namespace portico::http
