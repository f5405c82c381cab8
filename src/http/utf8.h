// Internal: strict UTF-8 decoding steps shared by path validation and listing display.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::http {

// Length of the well-formed UTF-8 sequence starting at s[i] (1..4), or 0 if the bytes there
// are not one (Unicode table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i);

bool is_valid_utf8(std::string_view s);

// Appends `s` with each ill-formed byte replaced by U+FFFD, for showing raw names.
void append_utf8_sanitized(std::string& out, std::string_view s);

}  // namespace portico::http
