// A handler for plain-HTTP listeners that sends every request to the same URL over HTTPS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "portico/http/router.h"

namespace portico::http {

struct HttpsRedirectOptions {
  uint16_t https_port = 443;  // written into the URL unless it is 443
  // Host for requests without a usable Host (HTTP/1.0 without Host, or a malformed value).
  // Empty: such requests get 400.
  std::string fallback_host;
};

// "https://host[:port]/path?query". host_name is the request's host without its port ("[::1]"
// for IPv6); path is still percent-encoded as received ("" or "*" become "/").
std::string https_location(std::string_view host_name, std::string_view path,
                           std::string_view query, uint16_t https_port);

// True for a host usable in the Location: a DNS name or IPv4 literal ([A-Za-z0-9.-]) or a
// bracketed IPv6 literal.
bool redirectable_host(std::string_view host_name);

// Answers every request with 301 Moved Permanently to its https URL, keeping path and query.
Handler make_https_redirect(HttpsRedirectOptions options);

}  // namespace portico::http
