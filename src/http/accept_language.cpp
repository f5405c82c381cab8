// Language negotiation: Accept-Language ranges matched against a site's language tags.
#include "portico/http/accept_language.h"

#include <algorithm>

#include "http/weighted_list.h"
#include "portico/http/headers.h"

namespace portico::http {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

// language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*" (RFC 4647 2.1)
bool is_language_range(std::string_view r) { return r == "*" || is_valid_language_tag(r); }

// Whether `prefix` equals `tag` or is a prefix of it ending at a subtag boundary.
bool is_subtag_prefix(std::string_view prefix, std::string_view tag) {
  if (prefix.size() > tag.size()) return false;
  if (!iequals(prefix, tag.substr(0, prefix.size()))) return false;
  return prefix.size() == tag.size() || tag[prefix.size()] == '-';
}

// How a tag was reached; a lower tier ranks first among equal weights.
enum Tier : int { kDirect = 0, kTruncated = 1, kWildcard = 2, kNone = 3 };

struct Score {
  int weight = 0;
  Tier tier = kNone;
};

Score score_tag(std::string_view accept_language, std::string_view tag) {
  size_t direct_len = 0;  // length of the most specific range filtering the tag
  int direct_weight = -1;
  int truncated_weight = -1;  // the best range reaching the tag by lookup
  int wildcard_weight = -1;
  detail::for_each_weighted_member(accept_language, [&](const detail::WeightedMember& m) {
    if (!is_language_range(m.value)) return;
    if (m.value == "*") {
      wildcard_weight = wildcard_weight < 0 ? m.weight : std::min(wildcard_weight, m.weight);
    } else if (is_subtag_prefix(m.value, tag)) {
      // The most specific range wins; a range listed twice keeps its lowest weight.
      if (m.value.size() > direct_len || direct_weight < 0) {
        direct_len = m.value.size();
        direct_weight = m.weight;
      } else if (m.value.size() == direct_len) {
        direct_weight = std::min(direct_weight, m.weight);
      }
    } else if (is_subtag_prefix(tag, m.value)) {
      // A fallback, not an exclusion: any range that truncates to the tag may reach it.
      truncated_weight = std::max(truncated_weight, m.weight);
    }
  });
  if (direct_weight >= 0) return {direct_weight, kDirect};
  if (truncated_weight >= 0) return {truncated_weight, kTruncated};
  if (wildcard_weight >= 0) return {wildcard_weight, kWildcard};
  return {};
}

}  // namespace

bool is_valid_language_tag(std::string_view tag) {
  size_t i = 0;
  bool first = true;
  while (true) {
    size_t start = i;
    while (i < tag.size() && (first ? is_alpha(tag[i]) : is_alnum(tag[i]))) ++i;
    size_t len = i - start;
    if (len < 1 || len > 8) return false;
    if (i == tag.size()) return true;
    if (tag[i] != '-') return false;
    ++i;
    first = false;
  }
}

std::vector<size_t> rank_languages(std::string_view accept_language,
                                   const std::vector<std::string>& available) {
  struct Ranked {
    size_t index;
    Score score;
  };
  std::vector<Ranked> ranked;
  for (size_t i = 0; i < available.size(); ++i) {
    Score s = score_tag(accept_language, available[i]);
    if (s.weight > 0) ranked.push_back({i, s});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.score.weight != b.score.weight) return a.score.weight > b.score.weight;
    return a.score.tier < b.score.tier;
  });
  std::vector<size_t> out;
  out.reserve(ranked.size());
  for (const auto& r : ranked) out.push_back(r.index);
  return out;
}

}  // namespace portico::http
