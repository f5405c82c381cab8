// RFC 9110 13.2.2: the order in which preconditions are evaluated, and If-Range (13.1.5).
#include "portico/http/conditional.h"

#include "portico/http/etag.h"
#include "portico/http/http_date.h"

namespace portico::http {

namespace {

bool is_get_or_head(Method m) { return m == Method::kGet || m == Method::kHead; }

bool is_star(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v == "*";
}

// 13.1.1 If-Match: true if "*" and a representation exists, or a listed tag matches strongly.
bool if_match_passes(std::string_view value, const Validators& v) {
  if (!v.exists) return false;
  if (is_star(value)) return true;
  return etag_list_matches(value, v.etag, EtagComparison::kStrong);
}

// 13.1.2 If-None-Match: false if "*" and a representation exists, or a listed tag matches
// weakly.
bool if_none_match_passes(std::string_view value, const Validators& v) {
  if (!v.exists) return true;
  if (is_star(value)) return false;
  return !etag_list_matches(value, v.etag, EtagComparison::kWeak);
}

}  // namespace

Precondition evaluate_preconditions(Method method, const ConditionalFields& f,
                                    const Validators& v) {
  // Step 1 / 2.
  if (f.if_match) {
    if (!if_match_passes(*f.if_match, v)) return Precondition::kPreconditionFailed;
  } else if (f.if_unmodified_since && v.exists && v.last_modified) {
    // 13.1.4: ignored unless a valid HTTP-date (a list of dates is not one).
    auto date = parse_http_date(*f.if_unmodified_since, v.now);
    if (date && *v.last_modified > *date) return Precondition::kPreconditionFailed;
  }

  // Step 3 / 4.
  if (f.if_none_match) {
    if (!if_none_match_passes(*f.if_none_match, v)) {
      return is_get_or_head(method) ? Precondition::kNotModified
                                    : Precondition::kPreconditionFailed;
    }
  } else if (f.if_modified_since && is_get_or_head(method) && v.exists && v.last_modified) {
    // 13.1.3: ignored unless a valid date, and a date later than our clock is invalid.
    auto date = parse_http_date(*f.if_modified_since, v.now);
    if (date && *date <= v.now && *v.last_modified <= *date) return Precondition::kNotModified;
  }
  return Precondition::kProceed;
}

bool if_range_allows_range(std::optional<std::string_view> if_range, const Validators& v) {
  if (!if_range) return true;
  if (!v.exists) return false;
  std::string_view value = *if_range;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);

  // An entity-tag starts with '"' or "W/"; an HTTP-date with a day name.
  if (!value.empty() && (value.front() == '"' || value.starts_with("W/"))) {
    // etag_matches_strong is false for a W/ tag on either side.
    return etag_matches_strong(value, v.etag);
  }
  if (!v.last_modified) return false;
  auto date = parse_http_date(value, v.now);
  if (!date || *date != *v.last_modified) return false;
  // 8.8.2.2: a modification date is only a strong validator if the file cannot have changed
  // twice within that second; require the second to be over.
  return *v.last_modified < v.now;
}

}  // namespace portico::http
