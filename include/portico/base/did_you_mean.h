// "Did you mean" hints: the closest known word to a misspelled one (config keys, variables).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace portico {

// Levenshtein distance (insertions, deletions, substitutions), ASCII case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` if it is near enough to be a likely typo (at most one edit
// per three characters, at least one), or else one that begins with `word` or that `word`
// begins with (at least three characters: "warning" suggests "warn"); "" when none. Ties go to
// the earlier candidate.
std::string_view closest_match(std::string_view word,
                               const std::vector<std::string_view>& candidates);

}  // namespace portico
