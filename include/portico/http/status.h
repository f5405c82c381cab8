// HTTP status codes (RFC 9110 15) with their reason phrases.
#pragma once

#include <cstdint>
#include <string_view>

namespace portico::http {

enum class Status : uint16_t {
  kContinue = 100,
  kSwitchingProtocols = 101,
  kOk = 200,
  kCreated = 201,
  kAccepted = 202,
  kNoContent = 204,
  kPartialContent = 206,
  kMovedPermanently = 301,
  kFound = 302,
  kSeeOther = 303,
  kNotModified = 304,
  kTemporaryRedirect = 307,
  kPermanentRedirect = 308,
  kBadRequest = 400,
  kUnauthorized = 401,
  kForbidden = 403,
  kNotFound = 404,
  kMethodNotAllowed = 405,
  kNotAcceptable = 406,
  kProxyAuthenticationRequired = 407,
  kRequestTimeout = 408,
  kConflict = 409,
  kGone = 410,
  kLengthRequired = 411,
  kPreconditionFailed = 412,
  kContentTooLarge = 413,
  kUriTooLong = 414,
  kUnsupportedMediaType = 415,
  kRangeNotSatisfiable = 416,
  kExpectationFailed = 417,
  kMisdirectedRequest = 421,
  kUnprocessableContent = 422,
  kTooManyRequests = 429,
  kRequestHeaderFieldsTooLarge = 431,
  kInternalServerError = 500,
  kNotImplemented = 501,
  kBadGateway = 502,
  kServiceUnavailable = 503,
  kGatewayTimeout = 504,
  kHttpVersionNotSupported = 505,
};

inline int code(Status s) { return static_cast<int>(s); }

// The RFC 9110 reason phrase; "Unknown" for codes without one.
std::string_view reason_phrase(Status s);

// 1xx, 204 and 304 never carry a body (RFC 9110 6.4.1).
inline bool status_forbids_body(Status s) {
  int c = code(s);
  return c < 200 || c == 204 || c == 304;
}

}  // namespace portico::http
