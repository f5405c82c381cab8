// HTTP-date (RFC 9110 5.6.7): IMF-fixdate out, all three historical formats in.
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

namespace portico::http {

// "Sun, 06 Nov 1994 08:49:37 GMT" is always 29 bytes.
inline constexpr size_t kHttpDateLength = 29;

// A formatted date in a fixed buffer: no allocation on the response path.
struct HttpDate {
  char data[kHttpDateLength];
  std::string_view view() const { return std::string_view(data, kHttpDateLength); }
};

// Formats `t` (seconds since the epoch, UTC) as IMF-fixdate. Times outside years 0000..9999
// are clamped to that range, since the format has exactly four year digits.
HttpDate format_http_date(time_t t);

// Parses IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime
// ("Sun Nov  6 08:49:37 1994"), the whole string and nothing else (RFC 9110 5.6.7: recipients
// MUST accept all three). Day and month names are case-sensitive as in the grammar; the day
// name is checked to be a day name but not against the date. Returns nullopt for anything
// malformed or impossible (Feb 30, hour 24). A two-digit RFC 850 year more than 50 years after
// `now` is taken as the most recent past year with those digits, as RFC 9110 requires.
std::optional<time_t> parse_http_date(std::string_view s, time_t now);
std::optional<time_t> parse_http_date(std::string_view s);  // now = time(nullptr)

// Formats the current second once and hands out the same bytes until the second changes.
// Not thread-safe by design: each event-loop thread owns one (see current_http_date()).
class DateCache {
 public:
  // The Date header value for the wall clock's current second.
  std::string_view now();
  // The value for `t`; reformats only when `t` differs from the cached second.
  std::string_view at(time_t t);

 private:
  time_t cached_second_ = -1;
  bool valid_ = false;
  HttpDate date_{};
};

// The calling thread's DateCache, for the Date header on every response. The view stays valid
// until this thread's next call; copy it into the response before yielding.
std::string_view current_http_date();

}  // namespace portico::http
