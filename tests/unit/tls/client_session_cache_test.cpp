// Tests for ClientSessionCache: per-name storage, TLS 1.3 single use, TLS 1.2 reuse, expiry,
// the per-name and name-count bounds.
#include "tls/client_session_cache.h"

#include <gtest/gtest.h>

#include <ctime>

namespace portico::tls {
namespace {

// A resumable session of the given version, made without a handshake.
UniqueSslSession make_session(int version, long time_s = 0, long timeout_s = 3600) {
  UniqueSslSession s(SSL_SESSION_new());
  SSL_SESSION_set_protocol_version(s.get(), version);
  const unsigned char id[] = "0123456789abcdef";
  SSL_SESSION_set1_id(s.get(), id, 16);
  const unsigned char key[48] = {1};
  SSL_SESSION_set1_master_key(s.get(), key, sizeof key);
  // A cipher is required for is_resumable.
  UniqueSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  UniqueSsl ssl(SSL_new(ctx.get()));
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl.get());
  SSL_SESSION_set_cipher(s.get(), sk_SSL_CIPHER_value(ciphers, 0));
  SSL_SESSION_set_time(s.get(), time_s != 0 ? time_s : static_cast<long>(std::time(nullptr)));
  SSL_SESSION_set_timeout(s.get(), timeout_s);
  return s;
}

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

TEST(ClientSessionCacheTest, Tls13SessionsAreTakenOnceNewestFirst) {
  ClientSessionCache cache(8);
  UniqueSslSession older = make_session(TLS1_3_VERSION);
  UniqueSslSession newer = make_session(TLS1_3_VERSION);
  SSL_SESSION* older_ptr = older.get();
  SSL_SESSION* newer_ptr = newer.get();
  cache.put("a.test", std::move(older));
  cache.put("a.test", std::move(newer));
  EXPECT_EQ(cache.sessions(), 2u);
  EXPECT_EQ(cache.take("a.test", now()).get(), newer_ptr);
  EXPECT_EQ(cache.take("a.test", now()).get(), older_ptr);
  EXPECT_EQ(cache.take("a.test", now()), nullptr);
  EXPECT_EQ(cache.names(), 0u);
}

TEST(ClientSessionCacheTest, Tls12SessionsAreOfferedRepeatedly) {
  ClientSessionCache cache(8);
  cache.put("a.test", make_session(TLS1_2_VERSION));
  EXPECT_NE(cache.take("a.test", now()), nullptr);
  EXPECT_NE(cache.take("a.test", now()), nullptr);
  EXPECT_EQ(cache.sessions(), 1u);
}

TEST(ClientSessionCacheTest, SessionsBelongToTheirName) {
  ClientSessionCache cache(8);
  cache.put("a.test", make_session(TLS1_3_VERSION));
  EXPECT_EQ(cache.take("b.test", now()), nullptr);
  EXPECT_NE(cache.take("a.test", now()), nullptr);
}

TEST(ClientSessionCacheTest, ExpiredSessionsAreDropped) {
  ClientSessionCache cache(8);
  cache.put("a.test", make_session(TLS1_3_VERSION, now() - 7200, 3600));
  EXPECT_EQ(cache.take("a.test", now()), nullptr);
  EXPECT_EQ(cache.sessions(), 0u);
}

TEST(ClientSessionCacheTest, KeepsTheNewestSessionsPerName) {
  ClientSessionCache cache(8);
  for (int i = 0; i < 10; ++i) cache.put("a.test", make_session(TLS1_3_VERSION));
  EXPECT_EQ(cache.sessions(), ClientSessionCache::kSessionsPerName);
}

TEST(ClientSessionCacheTest, DropsTheLeastRecentlyStoredName) {
  ClientSessionCache cache(2);
  cache.put("a.test", make_session(TLS1_3_VERSION));
  cache.put("b.test", make_session(TLS1_3_VERSION));
  cache.put("a.test", make_session(TLS1_3_VERSION));  // a is now the most recent
  cache.put("c.test", make_session(TLS1_3_VERSION));  // evicts b
  EXPECT_EQ(cache.names(), 2u);
  EXPECT_EQ(cache.take("b.test", now()), nullptr);
  EXPECT_NE(cache.take("a.test", now()), nullptr);
  EXPECT_NE(cache.take("c.test", now()), nullptr);
}

TEST(ClientSessionCacheTest, IgnoresSessionsThatCannotBeResumed) {
  ClientSessionCache cache(8);
  cache.put("a.test", UniqueSslSession(SSL_SESSION_new()));
  cache.put("a.test", nullptr);
  EXPECT_EQ(cache.sessions(), 0u);
}

}  // namespace
}  // namespace portico::tls
