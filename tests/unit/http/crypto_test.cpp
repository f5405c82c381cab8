// Tests for the libcrypto wrappers: known-answer vectors for HMAC-SHA256 and PBKDF2-HMAC-SHA256.
#include "http/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::http::crypto {
namespace {

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

TEST(Crypto, HmacSha256MatchesRfc4231TestCase2) {
  auto d = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(hex(d.data(), d.size()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HmacSha256AcceptsEmptyKeyAndData) {
  auto d = hmac_sha256("", "");
  EXPECT_EQ(hex(d.data(), d.size()),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Crypto, Pbkdf2Sha256MatchesKnownVector) {
  // RFC 7914 11 (PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64), first 32 bytes.
  unsigned char out[32];
  ASSERT_TRUE(pbkdf2_sha256("passwd", "salt", 1, out, sizeof out));
  EXPECT_EQ(hex(out, sizeof out),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
}

TEST(Crypto, Pbkdf2RefusesZeroIterations) {
  unsigned char out[32];
  EXPECT_FALSE(pbkdf2_sha256("p", "s", 0, out, sizeof out));
}

TEST(Crypto, ConstantTimeEqualComparesLengthAndBytes) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Crypto, RandomStringsDiffer) {
  auto a = random_string(16);
  auto b = random_string(16);
  ASSERT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
}

TEST(Crypto, WipeZeroesTheBytes) {
  std::string s = "secret";
  wipe(s);
  EXPECT_EQ(s, std::string(6, '\0'));
}

}  // namespace
}  // namespace portico::http::crypto
