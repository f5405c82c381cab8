// Tests for TicketKeyRing: lazy rotation, retired keys decrypting, the OpenSSL callback contract.
#include "tls/ticket_keys.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <memory>

namespace portico::tls {
namespace {

struct MacCtx {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  ~MacCtx() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

// Encrypts with the ring (enc=1); returns the key name written.
std::array<unsigned char, 16> issue(TicketKeyRing& ring) {
  std::array<unsigned char, 16> name{};
  unsigned char iv[EVP_MAX_IV_LENGTH] = {};
  CipherCtx c;
  MacCtx m;
  EXPECT_EQ(ring.handle(name.data(), iv, c.ctx, m.ctx, 1), 1);
  return name;
}

int accept_ticket(TicketKeyRing& ring, std::array<unsigned char, 16> name) {
  unsigned char iv[EVP_MAX_IV_LENGTH] = {};
  CipherCtx c;
  MacCtx m;
  return ring.handle(name.data(), iv, c.ctx, m.ctx, 0);
}

TEST(TicketKeyRing, NewTicketsUseTheCurrentKeyAndDecryptWithIt) {
  int64_t now = 1000;
  TicketKeyRing ring(3600, 3600, [&] { return now; });
  auto name = issue(ring);
  EXPECT_EQ(accept_ticket(ring, name), 1);
  EXPECT_EQ(ring.rotations(), 0u);
}

TEST(TicketKeyRing, RotatesOnScheduleAndRenewsTicketsOfTheRetiredKey) {
  int64_t now = 1000;
  TicketKeyRing ring(3600, 3600, [&] { return now; });
  auto old_name = issue(ring);
  now += 3600;
  auto new_name = issue(ring);
  EXPECT_EQ(ring.rotations(), 1u);
  EXPECT_NE(old_name, new_name);
  EXPECT_EQ(accept_ticket(ring, new_name), 1);
  EXPECT_EQ(accept_ticket(ring, old_name), 2);  // valid, but reissue with the current key
}

TEST(TicketKeyRing, ForgetsAKeyOnceItsTicketsHaveExpired) {
  int64_t now = 1000;
  TicketKeyRing ring(3600, 3600, [&] { return now; });
  auto first = issue(ring);
  now += 3600;
  issue(ring);
  now += 3600;
  issue(ring);
  EXPECT_EQ(ring.rotations(), 2u);
  EXPECT_EQ(accept_ticket(ring, first), 0);  // unknown: full handshake
}

TEST(TicketKeyRing, KeepsEnoughKeysWhenRotatingFasterThanTheLifetime) {
  int64_t now = 0;
  TicketKeyRing ring(600, 3600, [&] { return now; });
  auto first = issue(ring);
  for (int i = 0; i < 6; ++i) {
    now += 600;
    issue(ring);
  }
  // 3600 s after the first key retired, its tickets have expired: it may go, not before.
  EXPECT_EQ(accept_ticket(ring, first), 2);
  now += 600;
  issue(ring);
  EXPECT_EQ(accept_ticket(ring, first), 0);
}

TEST(TicketKeyRing, UnknownKeyNameIsAFullHandshake) {
  TicketKeyRing ring(3600, 3600);
  std::array<unsigned char, 16> stranger{};
  stranger.fill(0xab);
  EXPECT_EQ(accept_ticket(ring, stranger), 0);
}

TEST(TicketKeyRing, RestartsTheScheduleAfterALongPause) {
  int64_t now = 0;
  TicketKeyRing ring(100, 100, [&] { return now; });
  now = 10'000;
  issue(ring);
  EXPECT_EQ(ring.rotations(), 1u);
  now += 50;
  issue(ring);
  EXPECT_EQ(ring.rotations(), 1u);  // not once per missed period
}

}  // namespace
}  // namespace portico::tls
