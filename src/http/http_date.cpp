// IMF-fixdate formatting, HTTP-date parsing in its three formats, and the per-second cache.
#include "portico/http/http_date.h"

#include <array>
#include <chrono>

namespace portico::http {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr int64_t kSecondsPerDay = 86400;
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range four year digits can show.
constexpr int64_t kMinTime = -62167219200;
constexpr int64_t kMaxTime = 253402300799;

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void put_name(char* p, std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) p[i] = name[i];
}

// A cursor over the input; every accessor fails softly so the grammar reads top to bottom.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  // Exactly `n` ASCII digits.
  bool digits(size_t n, int* out) {
    if (s_.size() - pos_ < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = s_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }
  // One of `names`, by index.
  template <size_t N>
  bool name(const std::array<std::string_view, N>& names, int* index) {
    for (size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        *index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  // hh:mm:ss
  bool time_of_day(int* h, int* m, int* s) {
    return digits(2, h) && literal(":") && digits(2, m) && literal(":") && digits(2, s);
  }
  bool at_end() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

std::optional<time_t> to_time(int year, int month0, int day, int hour, int minute, int second) {
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;  // 60: a leap second
  std::chrono::year_month_day ymd{std::chrono::year(year),
                                  std::chrono::month(static_cast<unsigned>(month0 + 1)),
                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;  // Feb 30, day 0, ...
  int64_t d = sys_days(ymd).time_since_epoch().count();
  return static_cast<time_t>(d * kSecondsPerDay + hour * 3600 + minute * 60 + second);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<time_t> parse_imf_fixdate(std::string_view s) {
  Cursor c(s);
  int wday, day, month, year, h, m, sec;
  if (c.name(kDayNames, &wday) && c.literal(", ") && c.digits(2, &day) && c.literal(" ") &&
      c.name(kMonthNames, &month) && c.literal(" ") && c.digits(4, &year) && c.literal(" ") &&
      c.time_of_day(&h, &m, &sec) && c.literal(" GMT") && c.at_end()) {
    return to_time(year, month, day, h, m, sec);
  }
  return std::nullopt;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<time_t> parse_rfc850(std::string_view s, time_t now) {
  Cursor c(s);
  int wday, day, month, yy, h, m, sec;
  if (!(c.name(kLongDayNames, &wday) && c.literal(", ") && c.digits(2, &day) && c.literal("-") &&
        c.name(kMonthNames, &month) && c.literal("-") && c.digits(2, &yy) && c.literal(" ") &&
        c.time_of_day(&h, &m, &sec) && c.literal(" GMT") && c.at_end())) {
    return std::nullopt;
  }
  // RFC 9110 5.6.7: a year more than 50 years in the future is the most recent past year
  // with the same last two digits. Window: [now - 49, now + 50].
  auto now_days = std::chrono::floor<days>(std::chrono::sys_seconds(std::chrono::seconds(now)));
  int this_year = static_cast<int>(std::chrono::year_month_day(now_days).year());
  int year = this_year - this_year % 100 + yy;
  if (year > this_year + 50) year -= 100;
  if (year < this_year - 49) year += 100;
  return to_time(year, month, day, h, m, sec);
}

// "Sun Nov  6 08:49:37 1994"
std::optional<time_t> parse_asctime(std::string_view s) {
  Cursor c(s);
  int wday, month, day, h, m, sec, year;
  if (!(c.name(kDayNames, &wday) && c.literal(" ") && c.name(kMonthNames, &month) &&
        c.literal(" "))) {
    return std::nullopt;
  }
  if (!(c.literal(" ") ? c.digits(1, &day) : c.digits(2, &day))) return std::nullopt;
  if (c.literal(" ") && c.time_of_day(&h, &m, &sec) && c.literal(" ") && c.digits(4, &year) &&
      c.at_end()) {
    return to_time(year, month, day, h, m, sec);
  }
  return std::nullopt;
}

}  // namespace

HttpDate format_http_date(time_t t) {
  int64_t secs = static_cast<int64_t>(t);
  if (secs < kMinTime) secs = kMinTime;
  if (secs > kMaxTime) secs = kMaxTime;
  int64_t day_number = secs / kSecondsPerDay;
  int64_t rem = secs % kSecondsPerDay;
  if (rem < 0) {  // floor division for times before 1970
    rem += kSecondsPerDay;
    --day_number;
  }
  sys_days d{days(day_number)};
  std::chrono::year_month_day ymd(d);
  unsigned wday = std::chrono::weekday(d).c_encoding();
  unsigned year = static_cast<unsigned>(static_cast<int>(ymd.year()));

  HttpDate out;
  char* p = out.data;
  put_name(p, kDayNames[wday]);  // "Sun"
  p[3] = ',';
  p[4] = ' ';
  put2(p + 5, static_cast<unsigned>(ymd.day()));  // "06"
  p[7] = ' ';
  put_name(p + 8, kMonthNames[static_cast<unsigned>(ymd.month()) - 1]);  // "Nov"
  p[11] = ' ';
  put2(p + 12, year / 100);  // "1994"
  put2(p + 14, year % 100);
  p[16] = ' ';
  put2(p + 17, static_cast<unsigned>(rem / 3600));  // "08:49:37"
  p[19] = ':';
  put2(p + 20, static_cast<unsigned>(rem / 60 % 60));
  p[22] = ':';
  put2(p + 23, static_cast<unsigned>(rem % 60));
  put_name(p + 25, " GMT");
  return out;
}

std::optional<time_t> parse_http_date(std::string_view s, time_t now) {
  if (s.size() < 4) return std::nullopt;
  if (s[3] == ',') return parse_imf_fixdate(s);
  if (s[3] == ' ') return parse_asctime(s);
  return parse_rfc850(s, now);
}

std::optional<time_t> parse_http_date(std::string_view s) {
  return parse_http_date(s, std::time(nullptr));
}

std::string_view DateCache::now() { return at(std::time(nullptr)); }

std::string_view DateCache::at(time_t t) {
  if (!valid_ || t != cached_second_) {
    date_ = format_http_date(t);
    cached_second_ = t;
    valid_ = true;
  }
  return date_.view();
}

std::string_view current_http_date() {
  thread_local DateCache cache;
  return cache.now();
}

}  // namespace portico::http
