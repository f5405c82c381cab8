// Tests for UpstreamConnection over a socketpair: the test plays the upstream server, writing
// response bytes and reading what the proxy sent, and a fake owner records what it was told.
#include "proxy/upstream_connection.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "portico/net/event_loop.h"
#include "portico/net/tcp_connection.h"
#include "portico/net/transport.h"

namespace portico::proxy {
namespace {

class FakeOwner : public UpstreamOwner {
 public:
  void on_upstream_head(const ResponseHead& head) override {
    status = head.status;
    body_kind = head.body;
  }
  bool on_upstream_body(std::string_view data) override {
    body.append(data);
    return accept_more;
  }
  void on_upstream_end() override { ++ends; }
  void on_upstream_writable() override { ++writable; }
  void on_upstream_failed(UpstreamFailure f, bool response_started) override {
    failure = f;
    started = response_started;
  }

  int status = 0;
  ResponseBody body_kind = ResponseBody::kNone;
  std::string body;
  bool accept_more = true;
  int ends = 0;
  int writable = 0;
  std::optional<UpstreamFailure> failure;
  bool started = false;
};

class UpstreamConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open(UpstreamTimeouts{});
    owner_ = std::make_shared<FakeOwner>();
  }

  // A connection over a fresh socketpair, replacing any earlier one.
  void open(UpstreamTimeouts timeouts) {
    if (net::TcpConnection* c = conn()) c->force_close();
    if (peer_ >= 0) ::close(peer_);
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    peer_ = sv[1];
    auto conn = std::make_unique<net::TcpConnection>(&loop_, net::TcpConnection::next_id(), sv[0],
                                                     net::InetAddress(), net::InetAddress(),
                                                     net::make_plain_transport(sv[0]));
    conn_id_ = conn->id();
    net::TcpConnection& c = loop_.add_connection(std::move(conn));
    c.set_handler(std::make_unique<UpstreamConnection>(ResponseLimits{}, timeouts));
    c.start();
  }

  void TearDown() override {
    if (net::TcpConnection* c = conn()) c->force_close();
    spin();
    if (peer_ >= 0) ::close(peer_);
  }

  net::TcpConnection* conn() { return loop_.find_connection(conn_id_); }
  UpstreamConnection& handler() { return *dynamic_cast<UpstreamConnection*>(conn()->handler()); }

  // One loop iteration: handles what is ready now (the bytes the test just wrote).
  void spin() {
    loop_.post([this] { loop_.quit(); });
    loop_.run();
  }

  void begin(BodyFraming framing = BodyFraming::kNone, http::Method method = http::Method::kGet,
             bool upgrade = false) {
    handler().begin(*conn(), owner_, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", framing, method, upgrade);
    spin();
  }

  void feed(std::string_view bytes) {
    ASSERT_EQ(::write(peer_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    spin();
  }

  std::string read_peer() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(peer_, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  net::EventLoop loop_;
  int peer_ = -1;
  uint64_t conn_id_ = 0;
  std::shared_ptr<FakeOwner> owner_;
};

TEST_F(UpstreamConnectionTest, SendsTheHeadAndReadsAContentLengthResponse) {
  begin();
  EXPECT_EQ(read_peer(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel");
  EXPECT_EQ(owner_->status, 200);
  EXPECT_EQ(owner_->ends, 0);
  feed("lo");
  EXPECT_EQ(owner_->body, "hello");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_TRUE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, SkipsInterimResponses) {
  begin();
  feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
  EXPECT_EQ(owner_->status, 0);
  feed("HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(owner_->status, 204);
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_TRUE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, DecodesAChunkedBodySplitAtEveryByte) {
  begin();
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (char c : response) feed(std::string_view(&c, 1));
  EXPECT_EQ(owner_->body_kind, ResponseBody::kChunked);
  EXPECT_EQ(owner_->body, "hello world!");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_TRUE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, EndsACloseDelimitedBodyAtFinWithoutReuse) {
  begin();
  feed("HTTP/1.0 200 OK\r\n\r\nabc");
  ::shutdown(peer_, SHUT_WR);
  spin();
  EXPECT_EQ(owner_->body, "abc");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_FALSE(owner_->failure.has_value());
  EXPECT_FALSE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, ReportsAnInvalidResponseHead) {
  begin();
  feed("HTTP/1.1 2x0 Nope\r\n\r\n");
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kBadResponse);
  EXPECT_TRUE(owner_->started);
}

TEST_F(UpstreamConnectionTest, RefusesBothContentLengthAndTransferEncoding) {
  begin();
  feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kBadResponse);
}

TEST_F(UpstreamConnectionTest, ReportsAConnectionClosedBeforeAnyResponseByte) {
  begin();
  ::close(peer_);
  peer_ = -1;
  spin();
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kClosed);
  EXPECT_FALSE(owner_->started);
}

TEST_F(UpstreamConnectionTest, ReportsABodyCutShort) {
  begin();
  feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  ::shutdown(peer_, SHUT_WR);
  spin();
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kClosed);
  EXPECT_TRUE(owner_->started);
}

TEST_F(UpstreamConnectionTest, ReportsAMalformedChunkedBody) {
  begin();
  feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kBadBody);
}

TEST_F(UpstreamConnectionTest, BytesAfterTheResponseMakeTheConnectionUnusable) {
  begin();
  feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_FALSE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, ConnectionCloseIsNotReusable) {
  begin();
  feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_FALSE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, AnUnrequestedSwitchIsABadResponse) {
  begin();
  feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kBadResponse);
}

TEST_F(UpstreamConnectionTest, RelaysTunnelBytesAfter101BothWays) {
  begin(BodyFraming::kNone, http::Method::kGet, /*upgrade=*/true);
  read_peer();
  feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nfirst");
  EXPECT_EQ(owner_->status, 101);
  EXPECT_EQ(owner_->body, "first");
  EXPECT_TRUE(handler().send_body(*conn(), "to-upstream"));
  spin();
  EXPECT_EQ(read_peer(), "to-upstream");
  ::shutdown(peer_, SHUT_WR);
  spin();
  EXPECT_EQ(owner_->ends, 1);  // the upstream's half-close
  EXPECT_FALSE(owner_->failure.has_value());
}

TEST_F(UpstreamConnectionTest, HeadResponsesHaveNoBody) {
  begin(BodyFraming::kNone, http::Method::kHead);
  feed("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
  EXPECT_EQ(owner_->status, 200);
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_TRUE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, FramesAChunkedRequestBody) {
  begin(BodyFraming::kChunked, http::Method::kPost);
  EXPECT_TRUE(handler().send_body(*conn(), "hello"));
  handler().end_body(*conn());
  spin();
  EXPECT_EQ(read_peer(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

TEST_F(UpstreamConnectionTest, AnUnfinishedRequestBodyIsNotReusable) {
  begin(BodyFraming::kContentLength, http::Method::kPut);
  feed("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_FALSE(handler().reusable());
}

TEST_F(UpstreamConnectionTest, StopsReadingWhileTheOwnerIsFullThenResumes) {
  begin();
  owner_->accept_more = false;
  feed("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc");
  EXPECT_EQ(owner_->body, "abc");
  EXPECT_TRUE(conn()->reading_paused());
  feed("def");
  EXPECT_EQ(owner_->body, "abc");  // held back
  owner_->accept_more = true;
  handler().resume(*conn());
  spin();
  spin();
  EXPECT_EQ(owner_->body, "abcdef");
  EXPECT_EQ(owner_->ends, 1);
}

TEST_F(UpstreamConnectionTest, DeliversHeldBytesBeforeActingOnTheUpstreamsFin) {
  begin();
  owner_->accept_more = false;
  feed("HTTP/1.0 200 OK\r\n\r\nabc");
  feed("def");
  ::shutdown(peer_, SHUT_WR);
  spin();
  owner_->accept_more = true;
  handler().resume(*conn());
  for (int i = 0; i < 4; ++i) spin();
  EXPECT_EQ(owner_->body, "abcdef");
  EXPECT_EQ(owner_->ends, 1);
  EXPECT_FALSE(owner_->failure.has_value());
}

TEST_F(UpstreamConnectionTest, TimesOutWaitingForTheResponse) {
  UpstreamTimeouts t;
  t.read_timeout_ms = 30;
  open(t);
  begin();
  for (int i = 0; i < 200 && !owner_->failure; ++i) {
    loop_.run_after(std::chrono::milliseconds(5), [this] { loop_.quit(); });
    loop_.run();
  }
  ASSERT_TRUE(owner_->failure.has_value());
  EXPECT_EQ(*owner_->failure, UpstreamFailure::kTimeout);
  EXPECT_FALSE(owner_->started);
}

TEST_F(UpstreamConnectionTest, AParkedConnectionLeavesThePoolWhenTheUpstreamCloses) {
  begin();
  feed("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(handler().reusable());
  auto pool = std::make_shared<UpstreamPool>(1, PoolOptions{});
  handler().park(*conn(), pool, 60'000);
  pool->put(0, conn_id_, loop_.now_ms());
  EXPECT_TRUE(handler().idle());
  ::close(peer_);
  peer_ = -1;
  spin();
  spin();
  EXPECT_EQ(pool->total_idle(), 0u);
  EXPECT_EQ(conn(), nullptr);
}

}  // namespace
}  // namespace portico::proxy
