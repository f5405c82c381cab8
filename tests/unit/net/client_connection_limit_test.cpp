// Tests for ClientConnectionLimiter and the transport wrapper that enforces it at accept.
#include "portico/net/client_connection_limit.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace portico::net {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(ClientConnectionLimiter, RefusesBeyondTheLimitAndFreesOnRelease) {
  ClientConnectionLimiter limiter(2);
  auto a = limiter.acquire(ip("192.0.2.1"));
  auto b = limiter.acquire(ip("192.0.2.1"));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter.acquire(ip("192.0.2.1")));
  EXPECT_FALSE(limiter.acquire(ip("::ffff:192.0.2.1")));  // the same client
  EXPECT_TRUE(limiter.acquire(ip("192.0.2.2")));          // another client (released at once)
  EXPECT_EQ(limiter.refused(), 2u);
  EXPECT_EQ(limiter.local_count(ip("192.0.2.1")), 2u);
  a.reset();
  EXPECT_EQ(limiter.local_count(ip("192.0.2.1")), 1u);
  EXPECT_TRUE(limiter.acquire(ip("192.0.2.1")));
  b.reset();
  EXPECT_EQ(limiter.local_count(ip("192.0.2.1")), 0u);
}

TEST(ClientConnectionLimiter, ZeroMeansNoLimit) {
  ClientConnectionLimiter limiter(0);
  std::vector<std::unique_ptr<ClientConnectionLimiter::Slot>> slots;
  for (int i = 0; i < 100; ++i) slots.push_back(limiter.acquire(ip("::1")));
  for (const auto& s : slots) EXPECT_TRUE(s);
  EXPECT_EQ(limiter.local_count(ip("::1")), 100u);
}

TEST(ClientConnectionLimiter, ALimitChangeAppliesToLaterConnections) {
  ClientConnectionLimiter limiter(1);
  auto a = limiter.acquire(ip("::1"));
  EXPECT_FALSE(limiter.acquire(ip("::1")));
  limiter.set_max_per_client(2);
  EXPECT_EQ(limiter.max_per_client(), 2u);
  EXPECT_TRUE(limiter.acquire(ip("::1")));
}

TEST(ClientConnectionLimiter, CountsPerThread) {
  ClientConnectionLimiter limiter(1);
  auto a = limiter.acquire(ip("::1"));
  bool other = false;
  std::thread([&] { other = limiter.acquire(ip("::1")) != nullptr; }).join();
  EXPECT_TRUE(other);
}

// A connected loopback TCP pair: {client fd, accepted fd}.
std::pair<int, int> tcp_pair() {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int accepted = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  return {client, accepted};
}

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(LimitConnectionsPerClient, WrapsAcceptedConnectionsAndAnswers503BeyondTheLimit) {
  auto limiter = std::make_shared<ClientConnectionLimiter>(1);
  TcpServer::TransportFactory factory = limit_connections_per_client(limiter, {});
  auto [c1, s1] = tcp_pair();
  auto [c2, s2] = tcp_pair();
  auto first = factory(s1);
  ASSERT_TRUE(first);
  EXPECT_STREQ(first->name(), "tcp");
  EXPECT_EQ(first->handshake().status, IoStatus::kOk);
  EXPECT_EQ(limiter->local_count(ip("127.0.0.1")), 1u);

  auto second = factory(s2);
  ASSERT_TRUE(second);
  EXPECT_STREQ(second->name(), "refused");
  IoResult r = second->handshake();
  EXPECT_EQ(r.status, IoStatus::kError);
  EXPECT_EQ(r.err, ECONNABORTED);
  std::string answer = read_all(c2);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(answer.ends_with("\r\n\r\nToo many connections from your address.\n")) << answer;
  EXPECT_EQ(limiter->refused(), 1u);

  first.reset();  // the connection closed: its place is free again
  EXPECT_EQ(limiter->local_count(ip("127.0.0.1")), 0u);
  for (int fd : {c1, s1, c2, s2}) ::close(fd);
}

TEST(LimitConnectionsPerClient, ClosesWithoutAnswerOnAWrappedTransport) {
  auto limiter = std::make_shared<ClientConnectionLimiter>(0);
  limiter->set_max_per_client(0);
  int inner_calls = 0;
  TcpServer::TransportFactory factory =
      limit_connections_per_client(limiter, [&inner_calls](int fd) {
        ++inner_calls;
        return make_plain_transport(fd);
      });
  auto [c1, s1] = tcp_pair();
  auto t = factory(s1);
  EXPECT_EQ(inner_calls, 1);
  limiter->set_max_per_client(1);
  auto [c2, s2] = tcp_pair();
  auto refused = factory(s2);
  EXPECT_EQ(inner_calls, 1);  // no TLS handshake is spent on a refused client
  EXPECT_EQ(refused->handshake().status, IoStatus::kError);
  ::shutdown(s2, SHUT_WR);
  EXPECT_EQ(read_all(c2), "");  // no plain-text answer to a TLS client
  for (int fd : {c1, s1, c2, s2}) ::close(fd);
}

}  // namespace
}  // namespace portico::net
