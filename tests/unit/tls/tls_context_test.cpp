// Tests for TlsContext: start-up errors, SNI, ECDSA+RSA, ALPN, resumption, reload, mTLS.
#include "portico/tls/tls_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "tls/tls_transport.h"
#include "unit/tls/tls_test_util.h"

namespace portico::tls {
namespace {

using testing::KeyKind;
using testing::make_cert;
using testing::pump_handshake;
using testing::tcp_pair;
using testing::TempDir;
using testing::TestCert;
using testing::TestClient;

// The first DNS name of the certificate the client received.
std::string served_cn(TestClient& client) {
  X509* peer = SSL_get0_peer_certificate(client.ssl.get());
  if (peer == nullptr) return "";
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
  return cn;
}

class TlsContextTest : public ::testing::Test {
 protected:
  CertificateFiles write(const std::string& stem, const TestCert& c) {
    return {dir_.write(stem + ".pem", c.cert_pem), dir_.write(stem + ".key", c.key_pem)};
  }

  // Handshakes a fresh connection against ctx; returns the client (for inspection).
  std::unique_ptr<TestClient> connect(TlsContext& ctx, const std::string& sni = "",
                                      bool* ok = nullptr, SSL_SESSION* session = nullptr,
                                      std::unique_ptr<net::Transport>* keep = nullptr,
                                      std::function<void(SSL*)> tweak = {}) {
    auto [server_fd, client_fd] = tcp_pair();
    server_fds_.push_back(server_fd);
    auto client = std::make_unique<TestClient>(client_fd, sni);
    if (tweak) tweak(client->ssl.get());
    if (session) SSL_set_session(client->ssl.get(), session);
    auto transport = ctx.make_transport(server_fd);
    EXPECT_NE(transport, nullptr);
    net::IoResult last;
    bool done = pump_handshake(*transport, *client, &last);
    if (ok) *ok = done;
    if (done) {
      // TLS 1.3 tickets arrive after the handshake: let the client read them.
      for (int i = 0; i < 20; ++i) {
        std::string ignored;
        client->read_some(ignored);
        ::usleep(500);
      }
    }
    if (keep) *keep = std::move(transport);
    return client;
  }

  void TearDown() override {
    for (int fd : server_fds_) ::close(fd);
  }

  TempDir dir_;
  std::vector<int> server_fds_;
};

TEST_F(TlsContextTest, StartupErrorNamesTheBrokenFile) {
  TlsOptions o;
  o.certificates.push_back({dir_.file("missing.pem"), dir_.file("missing.key")});
  try {
    TlsContext::create(o);
    FAIL() << "no error";
  } catch (const TlsConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "certificate file '" + dir_.file("missing.pem") +
                                         "': cannot read: No such file or directory");
  }
}

TEST_F(TlsContextTest, NoCertificateIsAnError) {
  EXPECT_THROW(TlsContext::create(TlsOptions{}), TlsConfigError);
}

TEST_F(TlsContextTest, ExpiredCertificateLoadsWithAWarning) {
  auto old = make_cert("old.test", "DNS:old.test", KeyKind::kEcdsa, nullptr, -60, -2);
  TlsOptions o;
  o.certificates.push_back(write("old", old));
  auto ctx = TlsContext::create(o);
  ASSERT_EQ(ctx->warnings().size(), 1u);
  EXPECT_NE(ctx->warnings()[0].find("expired on 20"), std::string::npos) << ctx->warnings()[0];
}

TEST_F(TlsContextTest, SameNamesAndKeyTypeTwiceIsAnError) {
  auto a = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  auto b = make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa);
  TlsOptions o;
  o.certificates = {write("a", a), write("b", b)};
  EXPECT_THROW(TlsContext::create(o), TlsConfigError);
}

TEST_F(TlsContextTest, SniPicksExactWildcardOrDefaultCertificate) {
  TlsOptions o;
  o.certificates = {
      write("default", make_cert("default.test", "DNS:default.test", KeyKind::kEcdsa)),
      write("exact", make_cert("exact.test", "DNS:exact.test", KeyKind::kEcdsa)),
      write("wild", make_cert("wild", "DNS:*.wild.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  EXPECT_EQ(ctx->names(), (std::vector<std::string>{"default.test", "exact.test", "*.wild.test"}));
  EXPECT_EQ(served_cn(*connect(*ctx, "exact.test")), "exact.test");
  EXPECT_EQ(served_cn(*connect(*ctx, "EXACT.test")), "exact.test");
  EXPECT_EQ(served_cn(*connect(*ctx, "a.wild.test")), "wild");
  EXPECT_EQ(served_cn(*connect(*ctx, "unknown.test")), "default.test");
  EXPECT_EQ(served_cn(*connect(*ctx, "")), "default.test");
}

TEST_F(TlsContextTest, ServesEcdsaAndRsaCertificatesForTheSameName) {
  TlsOptions o;
  o.certificates = {write("ec", make_cert("ec", "DNS:both.test", KeyKind::kEcdsa)),
                    write("rsa", make_cert("rsa", "DNS:both.test", KeyKind::kRsa))};
  auto ctx = TlsContext::create(o);
  auto ecdsa_only = [](SSL* s) { SSL_set1_sigalgs_list(s, "ECDSA+SHA256"); };
  auto rsa_only = [](SSL* s) { SSL_set1_sigalgs_list(s, "RSA-PSS+SHA256:RSA+SHA256"); };
  EXPECT_EQ(served_cn(*connect(*ctx, "both.test", nullptr, nullptr, nullptr, ecdsa_only)), "ec");
  EXPECT_EQ(served_cn(*connect(*ctx, "both.test", nullptr, nullptr, nullptr, rsa_only)), "rsa");
}

TEST_F(TlsContextTest, NegotiatesHttp11WithAlpnAndRejectsUnknownProtocols) {
  TlsOptions o;
  o.certificates = {write("a", make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  std::unique_ptr<net::Transport> t;
  bool ok = false;
  auto client = connect(*ctx, "a.test", &ok, nullptr, &t);
  ASSERT_TRUE(ok);
  EXPECT_EQ(t->alpn(), "http/1.1");
  EXPECT_TRUE(t->is_secure());

  auto [server_fd, client_fd] = tcp_pair();
  server_fds_.push_back(server_fd);
  TestClient h2_only(client_fd, "a.test", "", {"h2"});
  auto t2 = ctx->make_transport(server_fd);
  net::IoResult last;
  EXPECT_FALSE(pump_handshake(*t2, h2_only, &last));  // RFC 7301 3.2: no_application_protocol
}

TEST_F(TlsContextTest, RefusesTls11) {
  TlsOptions o;
  o.certificates = {write("a", make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  bool ok = true;
  auto old_client = [](SSL* s) {
    SSL_set_security_level(s, 0);  // let the client even try 1.1
    SSL_set_min_proto_version(s, TLS1_VERSION);
    SSL_set_max_proto_version(s, TLS1_1_VERSION);
    SSL_set_cipher_list(s, "ALL:@SECLEVEL=0");
  };
  connect(*ctx, "a.test", &ok, nullptr, nullptr, old_client);
  EXPECT_FALSE(ok);
}

TEST_F(TlsContextTest, ResumesSessionsWithTicketsAcrossTransports) {
  TlsOptions o;
  o.certificates = {write("a", make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  bool ok = false;
  auto first = connect(*ctx, "a.test", &ok);
  ASSERT_TRUE(ok);
  SSL_SESSION* session = SSL_get1_session(first->ssl.get());
  ASSERT_NE(session, nullptr);
  ASSERT_EQ(SSL_SESSION_is_resumable(session), 1);
  auto second = connect(*ctx, "a.test", &ok, session);
  ASSERT_TRUE(ok);
  EXPECT_EQ(SSL_session_reused(second->ssl.get()), 1);
  SSL_SESSION_free(session);
}

TEST_F(TlsContextTest, ResumesTls12Sessions) {
  TlsOptions o;
  o.certificates = {write("a", make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  auto tls12 = [](SSL* s) { SSL_set_max_proto_version(s, TLS1_2_VERSION); };
  bool ok = false;
  auto first = connect(*ctx, "a.test", &ok, nullptr, nullptr, tls12);
  ASSERT_TRUE(ok);
  EXPECT_EQ(SSL_version(first->ssl.get()), TLS1_2_VERSION);
  SSL_SESSION* session = SSL_get1_session(first->ssl.get());
  auto second = connect(*ctx, "a.test", &ok, session, nullptr, tls12);
  ASSERT_TRUE(ok);
  EXPECT_EQ(SSL_session_reused(second->ssl.get()), 1);
  SSL_SESSION_free(session);
}

TEST_F(TlsContextTest, ReloadSwitchesNewHandshakesAndKeepsOpenConnections) {
  TlsOptions o;
  o.certificates = {write("site", make_cert("v1", "DNS:site.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  std::unique_ptr<net::Transport> old_transport;
  bool ok = false;
  auto old_client = connect(*ctx, "site.test", &ok, nullptr, &old_transport);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ctx->generation(), 1u);

  write("site", make_cert("v2", "DNS:site.test", KeyKind::kEcdsa));
  ReloadResult r = ctx->reload();
  EXPECT_TRUE(r.reloaded) << r.error;
  EXPECT_EQ(ctx->generation(), 2u);
  EXPECT_EQ(served_cn(*connect(*ctx, "site.test")), "v2");

  // The connection from before still works on its old context.
  const char msg[] = "still here";
  ASSERT_EQ(SSL_write(old_client->ssl.get(), msg, sizeof msg - 1), 10);
  net::Buffer in;
  net::IoResult rr;
  for (int i = 0; i < 200 && in.readable_bytes() < 10; ++i) {
    rr = old_transport->read(in);
    if (rr.status == net::IoStatus::kWouldBlock) ::usleep(500);
  }
  EXPECT_EQ(in.view(), "still here");
}

TEST_F(TlsContextTest, BrokenFilesOnReloadKeepTheOldCertificate) {
  TlsOptions o;
  auto files = write("site", make_cert("v1", "DNS:site.test", KeyKind::kEcdsa));
  o.certificates = {files};
  auto ctx = TlsContext::create(o);
  // A new certificate whose key has not been written yet: a mismatch.
  dir_.write("site.pem", make_cert("v2", "DNS:site.test", KeyKind::kEcdsa).cert_pem);
  ReloadResult r = ctx->reload();
  EXPECT_FALSE(r.reloaded);
  EXPECT_NE(r.error.find("does not match"), std::string::npos) << r.error;
  EXPECT_EQ(ctx->generation(), 1u);
  EXPECT_EQ(served_cn(*connect(*ctx, "site.test")), "v1");
}

TEST_F(TlsContextTest, ReloadIfChangedReloadsOnlyWhenAFileChanged) {
  TlsOptions o;
  o.certificates = {write("site", make_cert("v1", "DNS:site.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  EXPECT_FALSE(ctx->reload_if_changed().reloaded);
  EXPECT_EQ(ctx->generation(), 1u);
  // Replace both files by rename, as ACME clients do (new inodes).
  auto v2 = make_cert("v2", "DNS:site.test", KeyKind::kEcdsa);
  std::string tmp_cert = dir_.write("new.pem", v2.cert_pem);
  std::string tmp_key = dir_.write("new.key", v2.key_pem);
  ASSERT_EQ(::rename(tmp_key.c_str(), dir_.file("site.key").c_str()), 0);
  ASSERT_EQ(::rename(tmp_cert.c_str(), dir_.file("site.pem").c_str()), 0);
  ReloadResult r = ctx->reload_if_changed();
  EXPECT_TRUE(r.reloaded) << r.error;
  EXPECT_EQ(served_cn(*connect(*ctx, "site.test")), "v2");
  EXPECT_FALSE(ctx->reload_if_changed().reloaded);  // nothing new since
}

TEST_F(TlsContextTest, BrokenFileIsRetriedOnlyAfterItChangesAgain) {
  TlsOptions o;
  o.certificates = {write("site", make_cert("v1", "DNS:site.test", KeyKind::kEcdsa))};
  auto ctx = TlsContext::create(o);
  ::usleep(10'000);  // a distinct mtime
  dir_.write("site.key", "garbage\n");
  ReloadResult r = ctx->reload_if_changed();
  EXPECT_FALSE(r.reloaded);
  EXPECT_FALSE(r.error.empty());
  ReloadResult again = ctx->reload_if_changed();
  EXPECT_TRUE(again.error.empty());  // not retried (no log spam every poll)
  EXPECT_FALSE(again.reloaded);
}

TEST_F(TlsContextTest, ClientCertificatesAreRequiredWithAClientCa) {
  auto ca = make_cert("Client CA", "", KeyKind::kEcdsa, nullptr, -1, 365, true);
  auto client_cert = make_cert("alice", "", KeyKind::kEcdsa, &ca);
  auto stranger_ca = make_cert("Other CA", "", KeyKind::kEcdsa, nullptr, -1, 365, true);
  auto stranger = make_cert("mallory", "", KeyKind::kEcdsa, &stranger_ca);
  TlsOptions o;
  o.certificates = {write("a", make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa))};
  o.client_ca_file = dir_.write("ca.pem", ca.cert_pem);
  auto ctx = TlsContext::create(o);

  bool ok = true;
  connect(*ctx, "a.test", &ok);  // no certificate
  EXPECT_FALSE(ok);

  auto with = [](const TestCert& c) {
    return [&c](SSL* s) {
      SSL_use_certificate(s, c.cert.get());
      SSL_use_PrivateKey(s, c.key.get());
    };
  };
  std::unique_ptr<net::Transport> t;
  auto good = connect(*ctx, "a.test", &ok, nullptr, &t, with(client_cert));
  // TLS 1.3: the client finishes before the server checks its certificate; the server's
  // verdict is what counts.
  EXPECT_TRUE(ok);
  auto* tls = dynamic_cast<TlsTransport*>(t.get());
  ASSERT_NE(tls, nullptr);
  EXPECT_EQ(SSL_get_verify_result(tls->ssl()), X509_V_OK);

  std::unique_ptr<net::Transport> t2;
  connect(*ctx, "a.test", &ok, nullptr, &t2, with(stranger));
  EXPECT_FALSE(ok);
}

TEST_F(TlsContextTest, BadClientCaFileIsAStartupError) {
  TlsOptions o;
  o.certificates = {write("a", make_cert("a.test", "DNS:a.test", KeyKind::kEcdsa))};
  o.client_ca_file = dir_.write("ca.pem", "not a certificate\n");
  try {
    TlsContext::create(o);
    FAIL() << "no error";
  } catch (const TlsConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("client CA file '" + o.client_ca_file + "'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace portico::tls
