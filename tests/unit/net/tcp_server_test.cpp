// Tests for TcpServer: binding, listener models, bookkeeping, close_all, fd exhaustion.
#include "portico/net/tcp_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <set>
#include <thread>

#include "portico/base/log.h"
#include "portico/net/event_loop_thread_pool.h"
#include "unit/net/net_test_util.h"

namespace portico::net {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::FnHandler;
using testing::Signal;

class TcpServerTest : public ::testing::TestWithParam<Backend> {};

std::unique_ptr<ConnectionHandler> echo_handler(TcpConnection&) {
  return std::make_unique<FnHandler>();
}

TEST_P(TcpServerTest, BindsAnEphemeralPortWhenAskedForPortZero) {
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  TcpServer server(pool.next(), {}, InetAddress::loopback(0));
  server.set_handler_factory(echo_handler);
  server.start();
  EXPECT_NE(server.listen_address().port(), 0);
  EXPECT_TRUE(server.listen_address().is_loopback());
  Client c(server.listen_address().port());
  ASSERT_TRUE(c.send_all("port0"));
  EXPECT_EQ(c.read_exact(5), "port0");
}

TEST_P(TcpServerTest, ThrowsAClearErrorWhenTheAddressIsInUse) {
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  ListenOptions exclusive;
  exclusive.reuse_port = false;
  TcpServer first(pool.next(), {}, InetAddress::loopback(0), exclusive);
  first.set_handler_factory(echo_handler);
  first.start();
  InetAddress taken = first.listen_address();
  for (bool reuse_port : {false, true}) {
    ListenOptions options;
    options.reuse_port = reuse_port;
    TcpServer second(pool.next(), {}, taken, options);
    try {
      second.start();
      FAIL() << "start() should have thrown";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), EADDRINUSE);
      EXPECT_EQ(std::string(e.what()),
                "listen " + taken.to_string() + ": bind: " + std::strerror(EADDRINUSE));
    }
  }
}

// Serves through every worker with both listener models.
class ListenerModelTest : public ::testing::TestWithParam<std::tuple<Backend, bool>> {};

TEST_P(ListenerModelTest, ServesManyClientsAcrossWorkerLoops) {
  auto [backend, reuse_port] = GetParam();
  EventLoopThreadPool base(backend, 1);
  base.start();
  EventLoopThreadPool workers(backend, 3);
  workers.start();
  ListenOptions options;
  options.reuse_port = reuse_port;
  std::mutex mutex;
  std::set<EventLoop*> used;
  TcpServer server(base.next(), workers.loops(), InetAddress::loopback(0), options);
  server.set_handler_factory([&](TcpConnection& conn) {
    {
      std::lock_guard lock(mutex);
      used.insert(conn.loop());
    }
    return std::make_unique<FnHandler>();
  });
  server.start();
  std::vector<Client> clients;
  for (int i = 0; i < 60; ++i) clients.emplace_back(server.listen_address().port());
  for (size_t i = 0; i < clients.size(); ++i) {
    std::string msg = "m" + std::to_string(i);
    ASSERT_TRUE(clients[i].send_all(msg));
    EXPECT_EQ(clients[i].read_exact(msg.size()), msg);
  }
  EXPECT_EQ(server.connection_count(), 60u);
  std::lock_guard lock(mutex);
  for (EventLoop* loop : used) {
    auto loops = workers.loops();
    EXPECT_NE(std::find(loops.begin(), loops.end(), loop), loops.end());
  }
  if (!reuse_port) {
    EXPECT_EQ(used.size(), 3u);  // strict round-robin
  }
}

TEST_P(TcpServerTest, CountsConnectionsAndCloseAllEndsThem) {
  EventLoopThreadPool pool(GetParam(), 2);
  pool.start();
  Signal closed;
  TcpServer server(pool.next(), pool.loops(), InetAddress::loopback(0));
  server.set_handler_factory([&](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->closed = [&](TcpConnection&) { closed.notify(); };
    return h;
  });
  server.start();
  std::vector<Client> clients;
  for (int i = 0; i < 10; ++i) {
    clients.emplace_back(server.listen_address().port());
    ASSERT_TRUE(clients.back().send_all("x"));
    EXPECT_EQ(clients.back().read_exact(1), "x");
  }
  EXPECT_EQ(server.connection_count(), 10u);
  server.close_all(/*graceful=*/true);
  for (auto& c : clients) {
    int err = -1;
    EXPECT_EQ(c.read_to_eof(&err), "");
    EXPECT_EQ(err, 0);
    c.reset();  // lets the lingering close finish at once
  }
  ASSERT_TRUE(closed.wait(10));
  EXPECT_EQ(server.connection_count(), 0u);
}

TEST_P(TcpServerTest, StopAcceptingRefusesNewClientsButKeepsExistingOnes) {
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  TcpServer server(pool.next(), {}, InetAddress::loopback(0));
  server.set_handler_factory(echo_handler);
  server.start();
  uint16_t port = server.listen_address().port();
  Client existing(port);
  ASSERT_TRUE(existing.send_all("1"));
  EXPECT_EQ(existing.read_exact(1), "1");
  server.stop_accepting();
  Client refused;
  EXPECT_FALSE(refused.connect_to(port));
  ASSERT_TRUE(existing.send_all("2"));
  EXPECT_EQ(existing.read_exact(1), "2");
}

TEST_P(TcpServerTest, DestroyingTheServerClosesItsConnections) {
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  std::atomic<int> closed{0};
  auto server =
      std::make_unique<TcpServer>(pool.next(), std::vector<EventLoop*>{}, InetAddress::loopback(0));
  server->set_handler_factory([&](TcpConnection&) {
    auto h = std::make_unique<FnHandler>();
    h->closed = [&](TcpConnection&) { ++closed; };
    return h;
  });
  server->start();
  Client c(server->listen_address().port());
  ASSERT_TRUE(c.send_all("x"));
  EXPECT_EQ(c.read_exact(1), "x");
  server.reset();
  EXPECT_EQ(closed.load(), 1);
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST_P(TcpServerTest, AppliesDeferAcceptFastOpenAndKeepaliveOptions) {
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  ListenOptions options;
  options.defer_accept = true;
  options.defer_accept_seconds = 5;
  options.fastopen_queue = 16;
  options.keepalive = true;
  options.tcp_nodelay = true;
  TcpServer server(pool.next(), {}, InetAddress::loopback(0), options);
  std::atomic<int> nodelay{-1};
  std::atomic<int> keepalive{-1};
  server.set_handler_factory([&](TcpConnection& conn) {
    int v = 0;
    socklen_t len = sizeof v;
    ::getsockopt(conn.fd(), IPPROTO_TCP, TCP_NODELAY, &v, &len);
    nodelay = v;
    ::getsockopt(conn.fd(), SOL_SOCKET, SO_KEEPALIVE, &v, &len);
    keepalive = v;
    return std::make_unique<FnHandler>();
  });
  server.start();
  // With TCP_DEFER_ACCEPT the server sees the connection once the client has sent data.
  Client c(server.listen_address().port());
  ASSERT_TRUE(c.send_all("deferred"));
  EXPECT_EQ(c.read_exact(8), "deferred");
  EXPECT_EQ(nodelay.load(), 1);
  EXPECT_EQ(keepalive.load(), 1);
}

TEST_P(TcpServerTest, ServesIpv6Loopback) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (probe < 0) GTEST_SKIP() << "no IPv6 in this environment";
  ::close(probe);
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  auto addr = InetAddress::parse("[::1]:0");
  ASSERT_TRUE(addr);
  TcpServer server(pool.next(), {}, *addr);
  server.set_handler_factory(echo_handler);
  try {
    server.start();
  } catch (const std::system_error& e) {
    GTEST_SKIP() << "cannot bind [::1]: " << e.what();
  }
  InetAddress bound = server.listen_address();
  EXPECT_TRUE(bound.is_ipv6());
  EXPECT_EQ(bound.to_string(), "[::1]:" + std::to_string(bound.port()));
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(fd, bound.sockaddr_ptr(), bound.sockaddr_len()), 0);
  ASSERT_EQ(::send(fd, "v6", 2, MSG_NOSIGNAL), 2);
  char buf[2];
  ASSERT_EQ(::recv(fd, buf, 2, MSG_WAITALL), 2);
  EXPECT_EQ(std::string(buf, 2), "v6");
  ::close(fd);
}

TEST_P(TcpServerTest, RefusesConnectionsWhenTheHandlerFactoryThrows) {
  EventLoopThreadPool pool(GetParam(), 1);
  pool.start();
  TcpServer server(pool.next(), {}, InetAddress::loopback(0));
  std::atomic<int> calls{0};
  server.set_handler_factory([&](TcpConnection&) -> std::unique_ptr<ConnectionHandler> {
    if (calls++ == 0) throw std::runtime_error("out of sessions");
    return std::make_unique<FnHandler>();
  });
  server.start();
  Client refused(server.listen_address().port());
  int err = -1;
  EXPECT_EQ(refused.read_to_eof(&err), "");
  Client served(server.listen_address().port());
  ASSERT_TRUE(served.send_all("ok"));
  EXPECT_EQ(served.read_exact(2), "ok");
}

// The fd-exhaustion scenario runs in a forked child whose RLIMIT_NOFILE is lowered, so the
// test process itself is unaffected. The child reports over a pipe: 'P' + port at start, 'A'
// per accepted connection, 'E' when accept hit EMFILE.
void run_exhaustion_server(Backend backend, int report_fd) {
  rlimit lim{};
  lim.rlim_cur = lim.rlim_max = 48;
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(3);
  EventLoop loop(backend);
  set_log_sink([report_fd](LogLevel, std::string_view msg) {
    if (msg.find("Too many open files") != std::string_view::npos) {
      (void)!::write(report_fd, "E", 1);
    }
  });
  loop.on_signals({SIGTERM}, [&](int) { loop.quit(); });
  TcpServer server(&loop, {}, InetAddress::loopback(0));
  server.set_handler_factory([report_fd](TcpConnection&) {
    (void)!::write(report_fd, "A", 1);
    return std::make_unique<FnHandler>();
  });
  server.start();
  uint16_t port = server.listen_address().port();
  char msg[3] = {'P', static_cast<char>(port >> 8), static_cast<char>(port & 0xff)};
  (void)!::write(report_fd, msg, 3);
  loop.run();
  ::_exit(0);
}

TEST_P(TcpServerTest, SurvivesFdExhaustionAndRecoversWhenClientsLeave) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  block_signals({SIGTERM});  // before fork: the child's mask is inherited
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    run_exhaustion_server(GetParam(), pipefd[1]);
  }
  ::close(pipefd[1]);
  auto read_report = [&](char* c) {
    pollfd pfd{pipefd[0], POLLIN, 0};
    if (::poll(&pfd, 1, testing::kSafetyTimeoutMs) != 1) return false;
    return ::read(pipefd[0], c, 1) == 1;
  };
  char c = 0;
  ASSERT_TRUE(read_report(&c));
  ASSERT_EQ(c, 'P');
  char hi = 0, lo = 0;
  ASSERT_TRUE(read_report(&hi));
  ASSERT_TRUE(read_report(&lo));
  uint16_t port = static_cast<uint16_t>((static_cast<uint8_t>(hi) << 8) | static_cast<uint8_t>(lo));

  constexpr int kClients = 100;
  std::vector<Client> clients(kClients);
  for (auto& cl : clients) ASSERT_TRUE(cl.connect_to(port));  // completes via the backlog
  int accepted = 0;
  bool exhausted = false;
  while (!exhausted) {
    ASSERT_TRUE(read_report(&c)) << "server never reported EMFILE";
    if (c == 'A') ++accepted;
    if (c == 'E') exhausted = true;
  }
  ASSERT_GT(accepted, 0);
  ASSERT_LT(accepted, kClients);
  // Accepted connections are the first ones in the accept queue: the earliest clients.
  for (int i = 0; i < accepted; ++i) {
    std::string msg = "x" + std::to_string(i);
    ASSERT_TRUE(clients[static_cast<size_t>(i)].send_all(msg));
    EXPECT_EQ(clients[static_cast<size_t>(i)].read_exact(msg.size()), msg);
  }
  // The rest queue up unserved; when the first clients leave, the server gets them too.
  for (int i = accepted; i < kClients; ++i) {
    ASSERT_TRUE(clients[static_cast<size_t>(i)].send_all("late"));
  }
  for (int i = 0; i < accepted; ++i) clients[static_cast<size_t>(i)].reset();
  for (int i = accepted; i < kClients; ++i) {
    EXPECT_EQ(clients[static_cast<size_t>(i)].read_exact(4), "late") << "client " << i;
    clients[static_cast<size_t>(i)].reset();  // frees a server fd for the next one
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ::close(pipefd[0]);
}

INSTANTIATE_TEST_SUITE_P(Backends, TcpServerTest,
                         ::testing::Values(Backend::kEpoll, Backend::kPoll),
                         testing::backend_test_name);

INSTANTIATE_TEST_SUITE_P(Models, ListenerModelTest,
                         ::testing::Combine(::testing::Values(Backend::kEpoll, Backend::kPoll),
                                            ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<Backend, bool>>& info) {
                           return std::string(EventLoop::backend_name(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) ? "_ReusePort" : "_SharedListener");
                         });

}  // namespace
}  // namespace portico::net
