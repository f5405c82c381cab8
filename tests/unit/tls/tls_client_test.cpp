// Tests for TlsClientContext: a TcpClient with the client transport against a TlsContext server
// on the same loop: verification (CA, name, IP), SNI, ALPN, resumption, mTLS, bulk echo,
// failure reasons; and the start-up errors of bad options.
#include "portico/tls/tls_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "portico/net/event_loop.h"
#include "portico/net/tcp_client.h"
#include "portico/net/tcp_server.h"
#include "portico/tls/tls_context.h"
#include "tls/tls_transport.h"
#include "unit/net/net_test_util.h"
#include "unit/tls/tls_test_util.h"

namespace portico::tls {
namespace {

using namespace std::chrono_literals;
using net::Buffer;
using net::EventLoop;
using net::InetAddress;
using net::TcpConnection;
using net::testing::FnHandler;
using testing::KeyKind;
using testing::make_cert;
using testing::TempDir;
using testing::TestCert;

// What one client connection saw, start to end.
struct Outcome {
  bool connected = false;  // the handshake completed (handler.on_connected)
  bool closed = false;
  int connect_errno = 0;  // TcpClient::on_failure (TCP connect failed)
  std::string failure;    // tls_failure_reason() at on_closed
  bool reused = false;
  std::string alpn;
  std::string version;
  std::string received;
};

// What the server saw of its last connection.
struct ServerView {
  std::string sni;  // empty: no server_name extension
  bool client_certificate = false;
  int connections = 0;
};

class TlsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = make_cert("Portico Test CA", "", KeyKind::kEcdsa, nullptr, -1, 30, true);
    leaf_ = make_cert("upstream.test", "DNS:upstream.test,IP:127.0.0.1", KeyKind::kEcdsa, &ca_);
    ca_file_ = dir_.write("ca.pem", ca_.cert_pem);
  }

  void TearDown() override { server_.reset(); }

  // Starts the TLS echo server; client_ca: require client certificates from that CA.
  void start_server(bool require_client_cert = false) {
    TlsOptions o;
    o.certificates = {
        {dir_.write("leaf.pem", leaf_.cert_pem), dir_.write("leaf.key", leaf_.key_pem)}};
    if (require_client_cert) o.client_ca_file = ca_file_;
    server_ctx_ = TlsContext::create(o);
    server_ = std::make_unique<net::TcpServer>(&loop_, std::vector<EventLoop*>{},
                                               InetAddress::loopback(0));
    server_->set_transport_factory(server_ctx_->transport_factory());
    server_->set_handler_factory([this](TcpConnection&) {
      auto h = std::make_unique<FnHandler>();  // echoes
      h->connected = [this](TcpConnection& c) {
        auto& tls = dynamic_cast<TlsTransport&>(c.transport());
        const char* sni = SSL_get_servername(tls.ssl(), TLSEXT_NAMETYPE_host_name);
        view_.sni = sni ? sni : "";
        view_.client_certificate = SSL_get0_peer_certificate(tls.ssl()) != nullptr;
        ++view_.connections;
      };
      return h;
    });
    server_->start();
  }

  TlsClientOptions options(const std::string& name) {
    TlsClientOptions o;
    o.server_name = name;
    o.ca_file = ca_file_;
    return o;
  }

  // Connects with ctx, sends payload, reads the echo, closes. Bounded by a safety timer.
  Outcome exchange(TlsClientContext& ctx, const std::string& payload = "ping") {
    return exchange_with(ctx.transport_factory(), payload, server_->listen_address());
  }

  Outcome exchange_with(net::TcpClient::TransportFactory factory, const std::string& payload,
                        InetAddress address) {
    Outcome out;
    net::TcpClient client(&loop_, address);
    client.set_transport_factory(std::move(factory));
    client.set_handler_factory([&](TcpConnection&) {
      auto h = std::make_unique<FnHandler>();
      h->connected = [&](TcpConnection& c) {
        out.connected = true;
        out.reused = tls_session_reused(c.transport());
        out.alpn = std::string(c.transport().alpn());
        out.version = std::string(tls_version(c.transport()));
        c.send(payload);
      };
      h->data = [&](TcpConnection& c, Buffer& in) {
        out.received += in.retrieve_all_as_string();
        if (out.received.size() >= payload.size()) c.close();
      };
      h->closed = [&](TcpConnection& c) {
        out.closed = true;
        out.failure = tls_failure_reason(c.transport());
        loop_.quit();
      };
      return h;
    });
    client.set_on_failure([&](int err) {
      out.connect_errno = err;
      loop_.quit();
    });
    net::TimerId safety = loop_.run_after(std::chrono::milliseconds(net::testing::kSafetyTimeoutMs),
                                          [this] { loop_.quit(); });
    client.connect();
    loop_.run();
    loop_.cancel(safety);
    return out;
  }

  TempDir dir_;
  TestCert ca_;
  TestCert leaf_;
  std::string ca_file_;
  EventLoop loop_;
  std::shared_ptr<TlsContext> server_ctx_;
  std::unique_ptr<net::TcpServer> server_;
  ServerView view_;
};

TEST_F(TlsClientTest, HandshakeSucceedsWithTheRightCaAndNameAndSendsSni) {
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.failure, "");
  EXPECT_EQ(out.received, "ping");
  EXPECT_EQ(out.alpn, "http/1.1");
  EXPECT_EQ(out.version, "TLSv1.3");
  EXPECT_EQ(view_.sni, "upstream.test");
}

TEST_F(TlsClientTest, NameIsMatchedCaseInsensitivelyAndWithoutTheTrailingDot) {
  start_server();
  auto ctx = TlsClientContext::create(options("UpStream.Test."));
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(out.failure, "");
  EXPECT_EQ(view_.sni, "upstream.test");
}

TEST_F(TlsClientTest, WrongHostnameFailsWithAHostnameMismatchReason) {
  start_server();
  auto ctx = TlsClientContext::create(options("other.test"));
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.received, "");
  EXPECT_EQ(out.failure,
            "certificate verify failed: hostname mismatch (expected 'other.test', certificate "
            "names: upstream.test, 127.0.0.1)");
  EXPECT_EQ(view_.connections, 0);
}

TEST_F(TlsClientTest, PartialWildcardDoesNotMatch) {
  leaf_ = make_cert("wild", "DNS:up*.test", KeyKind::kEcdsa, &ca_);
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_NE(out.failure.find("hostname mismatch"), std::string::npos) << out.failure;
}

TEST_F(TlsClientTest, UntrustedCertificateFailsAgainstTheSystemTrustStore) {
  start_server();
  TlsClientOptions o = options("upstream.test");
  o.ca_file.clear();  // the system store does not know the test CA
  auto ctx = TlsClientContext::create(o);
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.failure,
            "certificate verify failed: unable to get local issuer certificate (certificate "
            "CN=upstream.test, issued by CN=Portico Test CA)");
}

TEST_F(TlsClientTest, SelfSignedCertificateFromAnotherCaFails) {
  start_server();
  TestCert other = make_cert("upstream.test", "DNS:upstream.test", KeyKind::kEcdsa);
  TlsClientOptions o = options("upstream.test");
  o.ca_file = dir_.write("other.pem", other.cert_pem);
  auto ctx = TlsClientContext::create(o);
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_NE(out.failure.find("certificate verify failed: unable to get local issuer certificate"),
            std::string::npos)
      << out.failure;
}

TEST_F(TlsClientTest, ExpiredCertificateFails) {
  leaf_ = make_cert("upstream.test", "DNS:upstream.test", KeyKind::kEcdsa, &ca_, -30, -1);
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.failure.rfind("certificate verify failed: certificate has expired", 0), 0u)
      << out.failure;
}

TEST_F(TlsClientTest, TrustsACaDirectoryOfHashedNames) {
  start_server();
  char hashed[32];
  std::snprintf(hashed, sizeof hashed, "%08lx.0", X509_subject_name_hash(ca_.cert.get()));
  TempDir ca_dir;
  ca_dir.write(hashed, ca_.cert_pem);
  TlsClientOptions o = options("upstream.test");
  o.ca_file.clear();
  o.ca_dir = ca_dir.file("");
  auto ctx = TlsClientContext::create(o);
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(out.failure, "");
}

TEST_F(TlsClientTest, RsaServerCertificateVerifies) {
  leaf_ = make_cert("upstream.test", "DNS:upstream.test", KeyKind::kRsa, &ca_);
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(out.received, "ping");
}

TEST_F(TlsClientTest, VerificationOffAcceptsAnUntrustedCertificateForAnotherName) {
  start_server();
  TlsClientOptions o;
  o.verify_peer = false;
  o.server_name = "other.test";
  auto ctx = TlsClientContext::create(o);
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(out.failure, "");
  EXPECT_EQ(out.received, "ping");
  EXPECT_EQ(view_.sni, "other.test");
}

TEST_F(TlsClientTest, VerificationOffWithoutANameSendsNoSni) {
  start_server();
  TlsClientOptions o;
  o.verify_peer = false;
  auto ctx = TlsClientContext::create(o);
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(view_.sni, "");
}

TEST_F(TlsClientTest, IpLiteralIsVerifiedByIpSanAndSendsNoSni) {
  start_server();
  auto ctx = TlsClientContext::create(options("127.0.0.1"));
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(out.failure, "");
  EXPECT_EQ(out.received, "ping");
  EXPECT_EQ(view_.sni, "");  // RFC 6066 3
}

TEST_F(TlsClientTest, IpLiteralNotInTheCertificateFails) {
  start_server();
  auto ctx = TlsClientContext::create(options("10.0.0.7"));
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.failure,
            "certificate verify failed: IP address mismatch (expected '10.0.0.7', certificate "
            "names: upstream.test, 127.0.0.1)");
}

TEST_F(TlsClientTest, DnsSanDoesNotVouchForAnIpLiteral) {
  leaf_ = make_cert("127.0.0.1", "DNS:127.0.0.1", KeyKind::kEcdsa, &ca_);
  start_server();
  auto ctx = TlsClientContext::create(options("127.0.0.1"));
  Outcome out = exchange(*ctx);
  EXPECT_FALSE(out.connected);
  EXPECT_NE(out.failure.find("IP address mismatch"), std::string::npos) << out.failure;
}

TEST_F(TlsClientTest, SecondConnectionResumesTheSession) {
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome first = exchange(*ctx);
  ASSERT_TRUE(first.connected);
  EXPECT_FALSE(first.reused);
  // TLS 1.3 tickets arrive after the handshake; the echo read took them in.
  EXPECT_GT(ctx->cached_sessions(), 0u);
  Outcome second = exchange(*ctx);
  ASSERT_TRUE(second.connected);
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(second.received, "ping");
}

TEST_F(TlsClientTest, Tls12SessionIsResumedToo) {
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  // Many upstreams still speak TLS 1.2 only: the session arrives with the handshake there.
  auto tls12 = [ctx](int fd) {
    std::unique_ptr<net::Transport> t = ctx->make_transport(fd);
    SSL_set_max_proto_version(dynamic_cast<TlsTransport&>(*t).ssl(), TLS1_2_VERSION);
    return t;
  };
  Outcome first = exchange_with(tls12, "one", server_->listen_address());
  ASSERT_TRUE(first.connected);
  EXPECT_EQ(first.version, "TLSv1.2");
  EXPECT_FALSE(first.reused);
  Outcome second = exchange_with(tls12, "two", server_->listen_address());
  ASSERT_TRUE(second.connected);
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(second.received, "two");
}

TEST_F(TlsClientTest, SessionsAreNotOfferedToAnotherName) {
  start_server();
  TlsClientOptions o;
  o.verify_peer = false;
  o.server_name = "upstream.test";
  auto ctx = TlsClientContext::create(o);
  ASSERT_TRUE(exchange(*ctx).connected);
  ASSERT_GT(ctx->cached_sessions(), 0u);
  Outcome other = exchange_with([ctx](int fd) { return ctx->make_transport(fd, "other.test"); },
                                "x", server_->listen_address());
  ASSERT_TRUE(other.connected);
  EXPECT_FALSE(other.reused);
  EXPECT_EQ(view_.sni, "other.test");
}

TEST_F(TlsClientTest, SessionReuseCanBeTurnedOff) {
  start_server();
  TlsClientOptions o = options("upstream.test");
  o.session_reuse = false;
  auto ctx = TlsClientContext::create(o);
  ASSERT_TRUE(exchange(*ctx).connected);
  EXPECT_EQ(ctx->cached_sessions(), 0u);
  Outcome second = exchange(*ctx);
  ASSERT_TRUE(second.connected);
  EXPECT_FALSE(second.reused);
}

TEST_F(TlsClientTest, EchoesSeveralMebibytesBothWays) {
  start_server();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  std::string payload(6 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>((i * 131) % 251);
  Outcome out = exchange(*ctx, payload);
  ASSERT_TRUE(out.connected);
  EXPECT_EQ(out.failure, "");
  ASSERT_EQ(out.received.size(), payload.size());
  EXPECT_TRUE(out.received == payload);
}

TEST_F(TlsClientTest, ClientCertificateIsAcceptedByAServerRequiringOne) {
  start_server(/*require_client_cert=*/true);
  TestCert client = make_cert("portico-proxy", "DNS:portico-proxy", KeyKind::kEcdsa, &ca_);
  TlsClientOptions o = options("upstream.test");
  o.client_cert_file = dir_.write("client.pem", client.cert_pem);
  o.client_key_file = dir_.write("client.key", client.key_pem);
  auto ctx = TlsClientContext::create(o);
  Outcome out = exchange(*ctx);
  EXPECT_TRUE(out.connected);
  EXPECT_EQ(out.failure, "");
  EXPECT_EQ(out.received, "ping");
  EXPECT_TRUE(view_.client_certificate);
}

TEST_F(TlsClientTest, MissingClientCertificateIsReportedWhenTheServerRejectsIt) {
  start_server(/*require_client_cert=*/true);
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange(*ctx);
  // TLS 1.3: the client's handshake completes before the server checks its certificate; the
  // server's alert ends the first read.
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.received, "");
  EXPECT_EQ(out.failure, "TLS connection failed: tlsv13 alert certificate required");
}

TEST_F(TlsClientTest, PlainHttpUpstreamIsReportedAsNotSpeakingTls) {
  net::TcpServer plain(&loop_, {}, InetAddress::loopback(0));
  plain.set_handler_factory([](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->data = [](TcpConnection& c, Buffer& in) {
      in.retrieve_all();
      c.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      c.close();
    };
    return h;
  });
  plain.start();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange_with(ctx->transport_factory(), "x", plain.listen_address());
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.failure,
            "TLS handshake failed: wrong version number (does the upstream speak TLS on this "
            "port?)");
}

TEST_F(TlsClientTest, ServerClosingDuringTheHandshakeIsReported) {
  net::TcpServer rude(&loop_, {}, InetAddress::loopback(0));
  rude.set_handler_factory([](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->data = [](TcpConnection& c, Buffer& in) {
      in.retrieve_all();
      c.close();
    };
    return h;
  });
  rude.start();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange_with(ctx->transport_factory(), "x", rude.listen_address());
  EXPECT_FALSE(out.connected);
  EXPECT_EQ(out.failure, "connection closed during the TLS handshake");
}

TEST_F(TlsClientTest, ResetDuringTheHandshakeIsNotATlsReason) {
  net::TcpServer resetting(&loop_, {}, InetAddress::loopback(0));
  resetting.set_handler_factory([](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->data = [](TcpConnection& c, Buffer&) { c.abort(); };  // RST in answer to ClientHello
    return h;
  });
  resetting.start();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out = exchange_with(ctx->transport_factory(), "x", resetting.listen_address());
  EXPECT_FALSE(out.connected);
  EXPECT_TRUE(out.closed);
  // The connection sees the socket error (EPOLLERR) before OpenSSL does: no TLS reason.
  EXPECT_EQ(out.failure, "");
}

TEST_F(TlsClientTest, SilentUpstreamIsCutByTheIdleTimeoutWithoutATlsReason) {
  // Accepts TCP, never answers the ClientHello.
  net::TcpServer silent(&loop_, {}, InetAddress::loopback(0));
  silent.set_handler_factory([](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->data = [](TcpConnection&, Buffer&) {};  // keeps the ClientHello unanswered
    return h;
  });
  silent.start();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  Outcome out;
  net::TcpClient client(&loop_, silent.listen_address());
  client.set_transport_factory(ctx->transport_factory());
  client.set_handler_factory([&](TcpConnection& conn) {
    conn.set_idle_timeout(50ms);  // the handshake deadline
    auto h = std::make_unique<FnHandler>();
    h->connected = [&](TcpConnection&) { out.connected = true; };
    h->closed = [&](TcpConnection& c) {
      out.closed = true;
      out.failure = tls_failure_reason(c.transport());
      loop_.quit();
    };
    return h;
  });
  net::TimerId safety = loop_.run_after(std::chrono::milliseconds(net::testing::kSafetyTimeoutMs),
                                        [this] { loop_.quit(); });
  client.connect();
  loop_.run();
  loop_.cancel(safety);
  EXPECT_FALSE(out.connected);
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(out.failure, "");  // a timeout: the proxy answers 504, not a TLS 502
}

TEST_F(TlsClientTest, OneContextServesSeveralLoopsAtOnce) {
  // The server runs on this thread's loop; each client thread has its own loop, all sharing
  // one context and its session cache.
  start_server();
  InetAddress address = server_->listen_address();
  auto ctx = TlsClientContext::create(options("upstream.test"));
  constexpr int kThreads = 3;
  constexpr int kConnectionsEach = 4;
  std::atomic<int> ok{0};
  std::atomic<int> resumed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      EventLoop loop;
      for (int i = 0; i < kConnectionsEach; ++i) {
        std::string payload = "thread " + std::to_string(t) + " connection " + std::to_string(i);
        std::string received;
        bool reused = false;
        net::TcpClient client(&loop, address);
        client.set_transport_factory(ctx->transport_factory());
        client.set_handler_factory([&](TcpConnection&) {
          auto h = std::make_unique<FnHandler>();
          h->connected = [&](TcpConnection& c) {
            reused = tls_session_reused(c.transport());
            c.send(payload);
          };
          h->data = [&](TcpConnection& c, Buffer& in) {
            received += in.retrieve_all_as_string();
            if (received.size() >= payload.size()) c.close();
          };
          h->closed = [&](TcpConnection&) { loop.quit(); };
          return h;
        });
        client.set_on_failure([&](int) { loop.quit(); });
        net::TimerId safety = loop.run_after(
            std::chrono::milliseconds(net::testing::kSafetyTimeoutMs), [&] { loop.quit(); });
        client.connect();
        loop.run();
        loop.cancel(safety);
        if (received == payload) ++ok;
        if (reused) ++resumed;
      }
    });
  }
  std::thread joiner([&] {
    for (auto& th : threads) th.join();
    loop_.quit();
  });
  loop_.run();
  joiner.join();
  EXPECT_EQ(ok.load(), kThreads * kConnectionsEach);
  EXPECT_GT(resumed.load(), 0);
}

TEST(TlsClientOptionsTest, VerificationWithoutANameIsAStartupError) {
  TlsClientOptions o;
  try {
    TlsClientContext::create(o);
    FAIL() << "no error";
  } catch (const TlsConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "TLS upstream: verifying the certificate needs a server name (or turn "
                 "verification off)");
  }
}

TEST(TlsClientOptionsTest, BadServerNameIsAStartupError) {
  TlsClientOptions o;
  o.server_name = "bad name";
  EXPECT_THROW(TlsClientContext::create(o), TlsConfigError);
}

TEST(TlsClientOptionsTest, MissingCaFileIsAStartupErrorNamingTheFile) {
  TlsClientOptions o;
  o.server_name = "a.test";
  o.ca_file = "/nonexistent/ca.pem";
  try {
    TlsClientContext::create(o);
    FAIL() << "no error";
  } catch (const TlsConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "TLS upstream: CA file '/nonexistent/ca.pem': cannot read: No such file or "
                 "directory");
  }
}

TEST(TlsClientOptionsTest, CaFileWithoutCertificatesIsAStartupError) {
  TempDir dir;
  TlsClientOptions o;
  o.server_name = "a.test";
  o.ca_file = dir.write("empty.pem", "not a certificate\n");
  try {
    TlsClientContext::create(o);
    FAIL() << "no error";
  } catch (const TlsConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("TLS upstream: CA file '" + o.ca_file + "': ", 0), 0u)
        << e.what();
  }
}

TEST(TlsClientOptionsTest, ClientCertificateWithoutKeyIsAStartupError) {
  TlsClientOptions o;
  o.server_name = "a.test";
  o.client_cert_file = "client.pem";
  EXPECT_THROW(TlsClientContext::create(o), TlsConfigError);
}

TEST(TlsClientOptionsTest, MismatchedClientKeyIsAStartupError) {
  TempDir dir;
  TestCert a = make_cert("a", "DNS:a", KeyKind::kEcdsa);
  TestCert b = make_cert("b", "DNS:b", KeyKind::kEcdsa);
  TlsClientOptions o;
  o.server_name = "a.test";
  o.client_cert_file = dir.write("a.pem", a.cert_pem);
  o.client_key_file = dir.write("b.key", b.key_pem);
  try {
    TlsClientContext::create(o);
    FAIL() << "no error";
  } catch (const TlsConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
  }
}

TEST(TlsClientOptionsTest, InvalidPerConnectionNameGivesNoTransport) {
  TlsClientOptions o;
  o.server_name = "a.test";
  auto ctx = TlsClientContext::create(o);
  auto [server_fd, client_fd] = testing::tcp_pair();
  EXPECT_EQ(ctx->make_transport(client_fd, "bad name"), nullptr);
  EXPECT_NE(ctx->make_transport(client_fd, "b.test"), nullptr);
  ::close(server_fd);
  ::close(client_fd);
}

TEST(TlsClientOptionsTest, FailureReasonOfAPlainTransportIsEmpty) {
  net::PlainTransport plain(-1);
  EXPECT_EQ(tls_failure_reason(plain), "");
  EXPECT_FALSE(tls_session_reused(plain));
  EXPECT_EQ(tls_version(plain), "");
}

}  // namespace
}  // namespace portico::tls
