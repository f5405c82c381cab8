// Accept-Language (RFC 9110 12.5.4) matched against the languages a site has (RFC 4647 ranges).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portico::http {

// A language tag as a site may name its variants ("en", "de-CH", "zh-Hant-TW"): 1-8 letters,
// then any number of "-" and 1-8 letters or digits (the shape of RFC 5646 tags; registry
// validity is not checked).
bool is_valid_language_tag(std::string_view tag);

// Orders `available` (the site's language tags, in the server's preference order) by an
// Accept-Language field value and returns the indices of those the client accepts, best first.
// A tag's weight is that of the most specific range that matches it (RFC 4647 3.3.1 basic
// filtering, case-insensitive): "en" matches "en" and "en-GB"; "*" matches anything not
// matched otherwise; so "en;q=0, en-GB" accepts "en-GB" but not "en-US". When no range filters
// a tag, a more specific range still reaches it by truncation (RFC 4647 3.4 lookup: a client
// asking for "de-CH" gets "de"), ranked below direct matches of the same weight. Ties keep the
// server's order. Tags with weight 0 and tags nothing matches are left out, so an absent or
// empty field gives an empty result and the caller falls back to its default language.
// Malformed members (bad range syntax, bad qvalue) are ignored.
std::vector<size_t> rank_languages(std::string_view accept_language,
                                   const std::vector<std::string>& available);

}  // namespace portico::http
