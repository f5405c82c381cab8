// Human units on the command line and in config: durations ("500ms", "10s", "2m")
// and sizes ("512", "64k", "1m", "2g"; binary multiples).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::server {

// Milliseconds; a bare number is seconds. nullopt when malformed or negative.
std::optional<uint64_t> parse_duration_ms(std::string_view text);
// Bytes; a bare number is bytes. nullopt when malformed or overflowing.
std::optional<uint64_t> parse_size_bytes(std::string_view text);

}  // namespace portico::server
