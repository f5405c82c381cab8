// HTTP to HTTPS redirects: 301 to https://host[:port] with the original path and query.
#include "portico/http/https_redirect.h"

#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

bool redirectable_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    for (char c : h.substr(1, h.size() - 2)) {
      bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                c == ':' || c == '.';
      if (!ok) return false;
    }
    return true;
  }
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string https_location(std::string_view host_name, std::string_view path,
                           std::string_view query, uint16_t https_port) {
  std::string url = "https://";
  url += host_name;
  if (https_port != 443) {
    url += ':';
    url += std::to_string(https_port);
  }
  if (path.empty() || path.front() != '/') {
    url += '/';
  } else {
    url += path;
  }
  if (!query.empty()) {
    url += '?';
    url += query;
  }
  return url;
}

Handler make_https_redirect(HttpsRedirectOptions options) {
  return [options = std::move(options)](const Request& req, Response& res) {
    std::string_view host = req.host_name();
    if (!redirectable_host(host)) host = options.fallback_host;
    if (host.empty()) {
      res = Response::error(Status::kBadRequest);
      return;
    }
    // RFC 9110 15.4.2: 301, the resource lives at the https URL from now on.
    res = Response::redirect(Status::kMovedPermanently,
                             https_location(host, req.path(), req.query(), options.https_port));
  };
}

}  // namespace portico::http
