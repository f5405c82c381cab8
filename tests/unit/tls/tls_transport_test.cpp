// Tests for TlsTransport: non-blocking handshake and I/O, WANT_WRITE retries with the same
// bytes, coalesced records, sendfile without kTLS, close_notify, plain HTTP and garbage input.
#include "tls/tls_transport.h"

#include <gtest/gtest.h>
#include <sys/uio.h>

#include "portico/net/buffer.h"
#include "portico/tls/tls_context.h"
#include "unit/tls/tls_test_util.h"

namespace portico::tls {
namespace {

using net::IoStatus;
using net::IoWant;
using testing::KeyKind;
using testing::make_cert;
using testing::pump_handshake;
using testing::tcp_pair;
using testing::TempDir;
using testing::TestClient;

class TlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = make_cert("t.test", "DNS:t.test", KeyKind::kEcdsa);
    TlsOptions o;
    o.certificates = {{dir_.write("c.pem", cert_.cert_pem), dir_.write("k.pem", cert_.key_pem)}};
    ctx_ = TlsContext::create(o);
    auto [s, c] = tcp_pair();
    server_fd_ = s;
    client_fd_ = c;
    transport_ = ctx_->make_transport(server_fd_);
    ASSERT_NE(transport_, nullptr);
  }
  void TearDown() override {
    client_.reset();  // closes client_fd_
    transport_.reset();
    ::close(server_fd_);
  }

  void handshake() {
    client_ = std::make_unique<TestClient>(client_fd_, "t.test", cert_.cert_pem);
    net::IoResult last;
    ASSERT_TRUE(pump_handshake(*transport_, *client_, &last));
  }

  // Reads on the server until want bytes arrived (bounded).
  std::string server_read(size_t want) {
    net::Buffer in;
    for (int i = 0; i < 2000 && in.readable_bytes() < want; ++i) {
      net::IoResult r = transport_->read(in);
      if (r.status == IoStatus::kWouldBlock) ::usleep(200);
      if (r.status == IoStatus::kEof || r.status == IoStatus::kError) break;
    }
    return std::string(in.view());
  }

  std::string client_read(size_t want) {
    std::string out;
    for (int i = 0; i < 4000 && out.size() < want; ++i) {
      if (!client_->read_some(out)) break;
      if (out.size() < want) ::usleep(200);
    }
    return out;
  }

  TempDir dir_;
  testing::TestCert cert_;
  std::shared_ptr<TlsContext> ctx_;
  int server_fd_ = -1;
  int client_fd_ = -1;
  std::unique_ptr<net::Transport> transport_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(TlsTransportTest, HandshakeWaitsForTheClientThenCompletes) {
  // Nothing sent yet: the server waits for readability.
  net::IoResult r = transport_->handshake();
  EXPECT_EQ(r.status, IoStatus::kWouldBlock);
  EXPECT_EQ(r.want, IoWant::kRead);
  handshake();
  EXPECT_TRUE(transport_->is_secure());
  EXPECT_STREQ(transport_->name(), "tls");
  EXPECT_EQ(SSL_get_verify_result(client_->ssl.get()), X509_V_OK);
  EXPECT_EQ(SSL_version(client_->ssl.get()), TLS1_3_VERSION);
}

TEST_F(TlsTransportTest, ReportsInputThatArrivedWithTheHandshake) {
  client_ = std::make_unique<TestClient>(client_fd_, "t.test", cert_.cert_pem);
  net::IoResult last;
  // Finish the client side first and let it send a request before the server completes:
  // that request arrives on the same readiness edge as the client's Finished.
  bool client_done = false;
  for (int i = 0; i < 2000 && !client_done; ++i) {
    client_done = client_->step() == 1;
    if (!client_done) {
      transport_->handshake();
      ::usleep(200);
    }
  }
  ASSERT_TRUE(client_done);
  ASSERT_EQ(SSL_write(client_->ssl.get(), "GET / HTTP/1.1\r\n\r\n", 18), 18);
  ::usleep(20'000);
  ASSERT_EQ(transport_->handshake().status, IoStatus::kOk);
  EXPECT_TRUE(transport_->has_buffered_input());
  EXPECT_EQ(server_read(18), "GET / HTTP/1.1\r\n\r\n");
  net::Buffer more;
  EXPECT_EQ(transport_->read(more).status, IoStatus::kWouldBlock);
  EXPECT_FALSE(transport_->has_buffered_input());
}

TEST_F(TlsTransportTest, CoalescesSmallIovecsAndReportsBytesConsumed) {
  handshake();
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  std::string body = "hello";
  iovec iov[2] = {{head.data(), head.size()}, {body.data(), body.size()}};
  net::IoResult r = transport_->writev(iov, 2);
  ASSERT_EQ(r.status, IoStatus::kOk);
  EXPECT_EQ(r.bytes, head.size() + body.size());
  EXPECT_EQ(client_read(r.bytes), head + body);
}

TEST_F(TlsTransportTest, WriteWouldBlockThenRetryWithTheSameBytesSucceeds) {
  handshake();
  // A small send buffer makes WANT_WRITE happen mid-record. (The receive side keeps its
  // default: a tiny receive window on loopback stalls on the persist timer.)
  int small = 4096;
  ::setsockopt(server_fd_, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  // A queue the way TcpConnection keeps it: consumed only by what writev reports.
  std::string queue(4 * 1024 * 1024, '\0');
  for (size_t i = 0; i < queue.size(); ++i) queue[i] = static_cast<char>('a' + i % 26);
  size_t sent = 0;
  std::string received;
  bool blocked = false;
  for (int i = 0; i < 200000 && sent < queue.size(); ++i) {
    iovec iov{queue.data() + sent, queue.size() - sent};
    net::IoResult r = transport_->writev(&iov, 1);
    if (r.status == IoStatus::kOk) {
      ASSERT_GT(r.bytes, 0u);
      // May exceed one record: after a WANT_WRITE, OpenSSL reports on the retry the records it
      // already sent before failing (why the retry must offer the same bytes from the head).
      sent += r.bytes;
      continue;
    }
    ASSERT_EQ(r.status, IoStatus::kWouldBlock);
    EXPECT_EQ(r.want, IoWant::kWrite);
    blocked = true;
    ASSERT_TRUE(client_->read_some(received));
    ::usleep(50);
  }
  EXPECT_TRUE(blocked);
  ASSERT_EQ(sent, queue.size());
  received += client_read(queue.size() - received.size());
  ASSERT_EQ(received.size(), queue.size());
  EXPECT_TRUE(received == queue);
}

TEST_F(TlsTransportTest, SendfileWithoutKernelTlsCopiesTheRegion) {
  handshake();
  std::string content(300 * 1024 + 17, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 251);
  std::string path = dir_.write("file.bin", content);
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  int64_t offset = 1000;
  size_t remaining = content.size() - 1000;
  std::string received;
  for (int i = 0; i < 100000 && remaining > 0; ++i) {
    net::IoResult r = transport_->sendfile(fd, &offset, remaining);
    if (r.status == IoStatus::kOk) {
      remaining -= r.bytes;
      continue;
    }
    ASSERT_EQ(r.status, IoStatus::kWouldBlock);
    ASSERT_TRUE(client_->read_some(received));
    ::usleep(100);
  }
  ASSERT_EQ(remaining, 0u);
  EXPECT_EQ(offset, static_cast<int64_t>(content.size()));
  received += client_read(content.size() - 1000 - received.size());
  EXPECT_TRUE(received == content.substr(1000));
  ::close(fd);
}

TEST_F(TlsTransportTest, SendfilePastTheEndOfTheFileIsAnError) {
  handshake();
  std::string path = dir_.write("short.bin", "abc");
  int fd = ::open(path.c_str(), O_RDONLY);
  int64_t offset = 3;
  net::IoResult r = transport_->sendfile(fd, &offset, 10);
  EXPECT_EQ(r.status, IoStatus::kError);
  EXPECT_EQ(r.err, ENODATA);
  ::close(fd);
}

TEST_F(TlsTransportTest, ShutdownWriteSendsCloseNotify) {
  handshake();
  ASSERT_EQ(transport_->shutdown_write().status, IoStatus::kOk);
  std::string ignored;
  for (int i = 0; i < 200; ++i) {
    if (!client_->read_some(ignored)) break;
    ::usleep(500);
  }
  EXPECT_TRUE(SSL_get_shutdown(client_->ssl.get()) & SSL_RECEIVED_SHUTDOWN);
  // Reading goes on after our close_notify (half-close); the client's close_notify is EOF.
  ASSERT_EQ(SSL_write(client_->ssl.get(), "late", 4), 4);
  EXPECT_EQ(server_read(4), "late");
  SSL_shutdown(client_->ssl.get());
  net::Buffer in;
  net::IoResult r;
  for (int i = 0; i < 200; ++i) {
    r = transport_->read(in);
    if (r.status != IoStatus::kWouldBlock) break;
    ::usleep(500);
  }
  EXPECT_EQ(r.status, IoStatus::kEof);
}

TEST_F(TlsTransportTest, PeerVanishingIsEof) {
  handshake();
  // Take the session tickets, so the close below is a FIN, not an RST for unread data.
  std::string ignored;
  for (int i = 0; i < 10; ++i) {
    client_->read_some(ignored);
    ::usleep(1'000);
  }
  client_.reset();  // close without close_notify
  net::Buffer in;
  net::IoResult r;
  for (int i = 0; i < 200; ++i) {
    r = transport_->read(in);
    if (r.status != IoStatus::kWouldBlock) break;
    ::usleep(500);
  }
  EXPECT_EQ(r.status, IoStatus::kEof);
}

TEST_F(TlsTransportTest, PlainHttpIsAnsweredWith400InPlainText) {
  std::string req = "GET / HTTP/1.1\r\nHost: t.test\r\n\r\n";
  ASSERT_EQ(::send(client_fd_, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  ::usleep(10'000);
  net::IoResult r = transport_->handshake();
  EXPECT_EQ(r.status, IoStatus::kError);
  std::string answer;
  char buf[1024];
  for (int i = 0; i < 200; ++i) {
    ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) break;
    ::usleep(500);
  }
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_NE(answer.find("HTTPS"), std::string::npos);
}

TEST_F(TlsTransportTest, GarbageClientHelloFailsTheHandshake) {
  // A handshake record header followed by nonsense.
  std::string junk = std::string("\x16\x03\x01\x00\x40", 5) + std::string(64, '\x5a');
  ASSERT_EQ(::send(client_fd_, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  ::usleep(10'000);
  net::IoResult r = transport_->handshake();
  EXPECT_EQ(r.status, IoStatus::kError);
  // Later calls keep failing without touching OpenSSL again.
  EXPECT_EQ(transport_->handshake().status, IoStatus::kError);
  net::Buffer in;
  EXPECT_EQ(transport_->read(in).status, IoStatus::kError);
  EXPECT_EQ(transport_->shutdown_write().status, IoStatus::kOk);
}

TEST_F(TlsTransportTest, ClientClosingDuringHandshakeIsEof) {
  ::shutdown(client_fd_, SHUT_WR);
  ::usleep(5'000);
  EXPECT_EQ(transport_->handshake().status, IoStatus::kEof);
}

}  // namespace
}  // namespace portico::tls
