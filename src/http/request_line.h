// Internal to http/: the request line (RFC 9112 3) and authority syntax (RFC 3986 3.2).
#pragma once

#include <string_view>

#include "portico/http/method.h"
#include "portico/http/parse_error.h"
#include "portico/http/parser.h"
#include "portico/http/version.h"

namespace portico::http::detail {

struct RequestLine {
  Method method = Method::kOther;
  std::string_view method_token;
  std::string_view target;
  TargetForm form = TargetForm::kOrigin;
  std::string_view scheme;
  std::string_view authority;
  std::string_view path;
  std::string_view query;
  Version version = Version::kHttp11;
};

// The verdict on the first byte of a request line before the rest has arrived; agrees with what
// parse_request_line() reports first. A CR passes: it may start an empty line.
ParseError check_request_line_start(char c);

// Parses `line` (without CRLF, never empty): method SP request-target SP HTTP-version, with
// exactly one SP between the parts, and the target form checked against the method.
ParseError parse_request_line(std::string_view line, RequestLine& out);

// uri-host [ ":" port ] (RFC 9110 7.2 for Host; RFC 9112 3.2.3 for CONNECT, which needs both a
// host and a port). An empty host is valid for Host (RFC 9110 7.2) unless require_host.
bool is_valid_authority(std::string_view a, bool require_host, bool require_port);

}  // namespace portico::http::detail
