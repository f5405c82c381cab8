// Internal: the few libcrypto primitives http/ needs (random, HMAC-SHA256, PBKDF2, constant-time
// comparison, wiping), so OpenSSL headers stay inside one .cpp file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portico::http::crypto {

inline constexpr size_t kSha256Bytes = 32;
using Sha256Digest = std::array<unsigned char, kSha256Bytes>;

// Fills `out` from the OS-seeded CSPRNG (RAND_bytes). False if the generator failed.
bool random_bytes(unsigned char* out, size_t n);
// `n` random bytes as a string, or empty on failure.
std::string random_string(size_t n);

Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

// PBKDF2-HMAC-SHA256 (RFC 8018 5.2) into out[0..out_len). False on failure.
bool pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations,
                   unsigned char* out, size_t out_len);

// Equal length and equal bytes, in time that depends only on the length (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

// Overwrites the bytes in a way the compiler may not drop (OPENSSL_cleanse).
void wipe(void* p, size_t n);
inline void wipe(std::string& s) { wipe(s.data(), s.size()); }

}  // namespace portico::http::crypto
