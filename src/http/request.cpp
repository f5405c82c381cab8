// Request accessors that need a little parsing.
#include "portico/http/request.h"

namespace portico::http {

std::string_view Request::host_name() const {
  std::string_view h = head_.host;
  if (!h.empty() && h.front() == '[') {  // IPv6 literal: "[::1]:8080"
    size_t close = h.find(']');
    return close == std::string_view::npos ? h : h.substr(0, close + 1);
  }
  size_t colon = h.rfind(':');
  return colon == std::string_view::npos ? h : h.substr(0, colon);
}

}  // namespace portico::http
