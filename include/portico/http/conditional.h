// Conditional requests (RFC 9110 13): preconditions and If-Range, evaluated in RFC order.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "portico/http/method.h"

namespace portico::http {

enum class Precondition : uint8_t {
  kProceed,             // serve normally (200/206, or perform the method)
  kNotModified,         // 304, GET and HEAD only
  kPreconditionFailed,  // 412
};

// The request's conditional fields; nullopt means the field is absent. An empty value is a
// present field (and for If-Match a non-matching one).
struct ConditionalFields {
  std::optional<std::string_view> if_match = std::nullopt;
  std::optional<std::string_view> if_none_match = std::nullopt;
  std::optional<std::string_view> if_modified_since = std::nullopt;
  std::optional<std::string_view> if_unmodified_since = std::nullopt;
  std::optional<std::string_view> if_range = std::nullopt;
};

// What the server knows about the selected representation.
struct Validators {
  bool exists = true;          // false: no current representation (e.g. PUT creating)
  std::string_view etag = {};  // strong entity-tag with quotes; "" if none
  std::optional<time_t> last_modified = std::nullopt;
  time_t now = 0;  // the server's clock, the same second as the Date header
};

// RFC 9110 13.2.2, steps 1-4:
//   1. If-Match (strong comparison; "*" matches an existing representation) false -> 412;
//   2. else If-Unmodified-Since (ignored if not a valid date or no Last-Modified) false -> 412;
//   3. If-None-Match (weak comparison; "*" matches an existing representation) false
//      -> 304 for GET/HEAD, 412 otherwise;
//   4. else, for GET/HEAD only, If-Modified-Since false -> 304. It is ignored when it is not a
//      valid date, when the date is later than `now` (13.1.3), or without Last-Modified.
// Per 13.2.1 the caller evaluates preconditions only when the response without them would be
// 2xx or 412: never for a 404, a 405 or a redirect.
Precondition evaluate_preconditions(Method method, const ConditionalFields& fields,
                                    const Validators& v);

// RFC 9110 13.1.5 (step 5 of 13.2.2): whether a Range header may be honoured. Without If-Range,
// yes. An entity-tag must match the current tag strongly (a W/ tag never does). A date must
// equal Last-Modified exactly and Last-Modified must be strong, which we take to mean it lies
// at least one second before `now` (8.8.2.2: the file cannot change again within that
// second unseen). Anything else, malformed values included, means: ignore Range, send 200.
bool if_range_allows_range(std::optional<std::string_view> if_range, const Validators& v);

}  // namespace portico::http
