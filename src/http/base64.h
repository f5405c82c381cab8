// Internal: base64 and base64url (RFC 4648 4 and 5) for credentials and signed cookies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::http {

enum class Base64Alphabet : uint8_t {
  kStandard,  // A-Z a-z 0-9 + /, '=' padding written (RFC 4648 4)
  kUrl,       // A-Z a-z 0-9 - _, no padding written (RFC 4648 5): safe in cookie values
};

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet);

// Strict decoding: only the alphabet's characters, '=' padding optional but, when present,
// exactly what the length needs and only at the end; no whitespace; the unused bits of the last
// character must be zero (so every byte string has one accepted encoding). nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet);

}  // namespace portico::http
