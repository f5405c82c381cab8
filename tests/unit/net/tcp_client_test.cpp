// Tests for TcpClient: success, refusal, timeout, retries with backoff.
#include "portico/net/tcp_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portico/net/tcp_server.h"
#include "unit/net/net_test_util.h"

namespace portico::net {
namespace {

using namespace std::chrono_literals;
using testing::FnHandler;

class TcpClientTest : public ::testing::TestWithParam<Backend> {};

// A loopback port with nothing listening on it (bound then released).
uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  socklen_t len = sizeof sin;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  ::close(fd);
  return ntohs(sin.sin_port);
}

TEST_P(TcpClientTest, ConnectsAndExchangesDataWithAServerOnTheSameLoop) {
  EventLoop loop(GetParam());
  TcpServer server(&loop, {}, InetAddress::loopback(0));
  server.set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
  server.start();

  TcpClient client(&loop, server.listen_address());
  std::string reply;
  bool client_closed = false;
  client.set_handler_factory([&](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->data = [&](TcpConnection& c, Buffer& in) {
      reply += in.retrieve_all_as_string();
      if (reply == "round trip") c.close();
    };
    h->closed = [&](TcpConnection&) {
      client_closed = true;
      loop.quit();
    };
    return h;
  });
  bool connected = false;
  client.set_on_connected([&](TcpConnection& c) {
    connected = true;
    EXPECT_EQ(c.peer_address(), server.listen_address());
    c.send("round trip");
  });
  client.set_on_failure([&](int err) {
    ADD_FAILURE() << std::strerror(err);
    loop.quit();
  });
  client.connect();
  EXPECT_TRUE(client.connecting());
  loop.run();
  EXPECT_TRUE(connected);
  EXPECT_EQ(reply, "round trip");
  EXPECT_TRUE(client_closed);
  EXPECT_FALSE(client.connecting());
  EXPECT_EQ(client.attempts(), 1);
}

TEST_P(TcpClientTest, ReportsConnectionRefused) {
  EventLoop loop(GetParam());
  TcpClient client(&loop, InetAddress::loopback(unused_port()));
  client.set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
  int failure = 0;
  client.set_on_failure([&](int err) {
    failure = err;
    loop.quit();
  });
  client.set_on_connected([&](TcpConnection&) { loop.quit(); });
  client.connect();
  loop.run();
  EXPECT_EQ(failure, ECONNREFUSED);
  EXPECT_EQ(client.attempts(), 1);
}

TEST_P(TcpClientTest, TimesOutWhenTheServerNeverAnswers) {
  // A listener whose accept queue is full drops further SYNs, so the handshake never ends.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  ASSERT_EQ(::listen(lfd, 0), 0);
  socklen_t len = sizeof sin;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&sin), &len);
  uint16_t port = ntohs(sin.sin_port);
  // With backlog 0 the queue holds one connection; this one fills it.
  testing::Client filler;
  ASSERT_TRUE(filler.connect_to(port));

  EventLoop loop(GetParam());
  ConnectOptions options;
  options.connect_timeout = 100ms;
  TcpClient client(&loop, InetAddress::loopback(port), options);
  client.set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
  int failure = 0;
  client.set_on_failure([&](int err) {
    failure = err;
    loop.quit();
  });
  client.set_on_connected([&](TcpConnection&) { loop.quit(); });
  client.connect();
  loop.run();
  EXPECT_EQ(failure, ETIMEDOUT);
  ::close(lfd);
}

TEST_P(TcpClientTest, RetriesWithBackoffUntilMaxAttempts) {
  EventLoop loop(GetParam());
  ConnectOptions options;
  options.max_attempts = 4;
  options.initial_backoff = 1ms;
  options.max_backoff = 4ms;
  TcpClient client(&loop, InetAddress::loopback(unused_port()), options);
  client.set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
  std::vector<int> retried;
  client.set_on_retry([&](int err, int attempt) {
    EXPECT_EQ(err, ECONNREFUSED);
    retried.push_back(attempt);
  });
  int failure = 0;
  client.set_on_failure([&](int err) {
    failure = err;
    loop.quit();
  });
  client.connect();
  loop.run();
  EXPECT_EQ(failure, ECONNREFUSED);
  EXPECT_EQ(client.attempts(), 4);
  EXPECT_EQ(retried, (std::vector<int>{1, 2, 3}));
}

TEST_P(TcpClientTest, RetrySucceedsOnceTheServerAppears) {
  EventLoop loop(GetParam());
  uint16_t port = unused_port();
  ConnectOptions options;
  options.max_attempts = 3;
  options.initial_backoff = 1ms;
  TcpClient client(&loop, InetAddress::loopback(port), options);
  client.set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
  std::unique_ptr<TcpServer> server;
  client.set_on_retry([&](int, int attempt) {
    if (attempt != 1) return;
    server =
        std::make_unique<TcpServer>(&loop, std::vector<EventLoop*>{}, InetAddress::loopback(port));
    server->set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
    server->start();
  });
  bool connected = false;
  client.set_on_connected([&](TcpConnection& c) {
    connected = true;
    c.force_close();
    loop.quit();
  });
  client.set_on_failure([&](int) { loop.quit(); });
  client.connect();
  loop.run();
  EXPECT_TRUE(connected);
  EXPECT_EQ(client.attempts(), 2);
}

TEST_P(TcpClientTest, StopCancelsAConnectInProgressWithoutCallbacks) {
  EventLoop loop(GetParam());
  ConnectOptions options;
  options.max_attempts = 5;
  options.initial_backoff = 50ms;
  auto client = std::make_unique<TcpClient>(&loop, InetAddress::loopback(unused_port()), options);
  bool called = false;
  client->set_on_failure([&](int) { called = true; });
  client->set_on_connected([&](TcpConnection&) { called = true; });
  client->connect();
  client->set_on_retry([&](int, int) { client->stop(); });
  loop.run_after(100ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_FALSE(called);
  EXPECT_FALSE(client->connecting());
  client.reset();
}

INSTANTIATE_TEST_SUITE_P(Backends, TcpClientTest,
                         ::testing::Values(Backend::kEpoll, Backend::kPoll),
                         testing::backend_test_name);

}  // namespace
}  // namespace portico::net
