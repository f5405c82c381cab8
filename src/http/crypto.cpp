// libcrypto primitives for cookies, sessions and Basic authentication.
#include "http/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <climits>

namespace portico::http::crypto {

bool random_bytes(unsigned char* out, size_t n) {
  while (n > 0) {
    const int chunk = n > INT_MAX ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(out, chunk) != 1) return false;
    out += chunk;
    n -= static_cast<size_t>(chunk);
  }
  return true;
}

std::string random_string(size_t n) {
  std::string s(n, '\0');
  if (!random_bytes(reinterpret_cast<unsigned char*>(s.data()), n)) return {};
  return s;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  // The HMAC algorithm is fetched once: HMAC() would fetch it from the provider on every call,
  // which costs more than hashing a cookie (OpenSSL 3 "Performance" notes: explicit fetching).
  static EVP_MAC* const kHmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  static const unsigned char kEmpty = 0;
  Sha256Digest out{};
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  EVP_MAC_CTX* ctx = kHmac ? EVP_MAC_CTX_new(kHmac) : nullptr;
  size_t len = 0;
  const bool ok = ctx && EVP_MAC_init(ctx, k, key.size(), params) == 1 &&
                  EVP_MAC_update(ctx, d, data.size()) == 1 &&
                  EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) {
    // Never happens with a working libcrypto; fall back to the one-shot call rather than
    // return a predictable value.
    unsigned int n = 0;
    HMAC(EVP_sha256(), k, static_cast<int>(key.size()), d, data.size(), out.data(), &n);
  }
  return out;
}

bool pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations,
                   unsigned char* out, size_t out_len) {
  if (iterations == 0 || iterations > INT_MAX || password.size() > INT_MAX ||
      salt.size() > INT_MAX || out_len > INT_MAX) {
    return false;
  }
  static const char kEmpty = 0;
  return PKCS5_PBKDF2_HMAC(
             password.empty() ? &kEmpty : password.data(), static_cast<int>(password.size()),
             reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
             static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out_len), out) == 1;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // lengths are public (digests have a fixed size)
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(void* p, size_t n) {
  if (n > 0) OPENSSL_cleanse(p, n);
}

}  // namespace portico::http::crypto
