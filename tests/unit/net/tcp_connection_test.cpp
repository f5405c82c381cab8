// Tests for TcpConnection over real loopback sockets, on both backends.
#include "portico/net/tcp_connection.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "portico/net/tcp_server.h"
#include "unit/net/net_test_util.h"

namespace portico::net {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::FnHandler;
using testing::LoopThread;
using testing::pattern_bytes;
using testing::Signal;

// A server on one loop thread whose handlers are built by a test-supplied function.
class ConnectionTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { lt_ = std::make_unique<LoopThread>(GetParam()); }
  void TearDown() override { finish(); }

  // Stops the server and the loop thread. Tests whose handlers capture test-body locals call
  // it last, so no handler code can run on the loop thread once those locals are gone.
  void finish() {
    server_.reset();
    lt_->stop();
  }

  // configure(handler) runs on the loop thread for each new connection.
  void start_server(std::function<void(FnHandler&, TcpConnection&)> configure = nullptr,
                    ListenOptions options = {}) {
    server_ = std::make_unique<TcpServer>(lt_->loop(), std::vector<EventLoop*>{},
                                          InetAddress::loopback(0), options);
    server_->set_handler_factory([this, configure](TcpConnection& conn) {
      auto h = std::make_unique<FnHandler>();
      h->connected = [this](TcpConnection& c) {
        last_conn_ = ConnectionRef(c);
        connected_.notify();
      };
      h->closed = [this](TcpConnection&) { closed_.notify(); };
      if (configure) configure(*h, conn);
      return h;
    });
    server_->start();
    port_ = server_->listen_address().port();
  }

  std::unique_ptr<LoopThread> lt_;
  std::unique_ptr<TcpServer> server_;
  uint16_t port_ = 0;
  Signal connected_;
  Signal closed_;
  ConnectionRef last_conn_;
};

TEST_P(ConnectionTest, EchoesBytes) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send_all("hello"));
  EXPECT_EQ(c.read_exact(5), "hello");
  ASSERT_TRUE(c.send_all("again"));
  EXPECT_EQ(c.read_exact(5), "again");
  finish();
}

TEST_P(ConnectionTest, ReportsAddressesAndConnectedState) {
  std::string peer;
  std::string local;
  TcpConnection::State state{};
  start_server([&](FnHandler& h, TcpConnection&) {
    h.connected = [&, this](TcpConnection& c) {
      peer = c.peer_address().to_string();
      local = c.local_address().to_string();
      state = c.state();
      connected_.notify();
    };
  });
  Client c(port_);
  ASSERT_TRUE(connected_.wait());
  EXPECT_EQ(local, "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(peer.rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(state, TcpConnection::State::kConnected);
  finish();
}

TEST_P(ConnectionTest, SendsSeveralMegabytesThroughPartialWritesIntact) {
  const std::string payload = pattern_bytes(8 * 1024 * 1024);
  start_server([&](FnHandler& h, TcpConnection&) {
    h.connected = [&](TcpConnection& c) {
      // Several sends, mixing the overloads; most of it is queued behind partial writes.
      c.send(std::string_view(payload).substr(0, 1000));
      c.send(std::string(payload.substr(1000, 3 * 1024 * 1024)));
      Buffer b;
      b.append(std::string_view(payload).substr(1000 + 3 * 1024 * 1024));
      c.send(b);
      EXPECT_TRUE(b.empty());
      c.close();
    };
  });
  // 8 MiB is more than loopback socket buffers hold, so the server meets partial writes.
  Client c(port_);
  int err = -1;
  std::string got = c.read_to_eof(&err);
  EXPECT_EQ(err, 0);
  ASSERT_EQ(got.size(), payload.size());
  EXPECT_TRUE(got == payload);
  finish();
}

TEST_P(ConnectionTest, SendsFileRegionsInOrderWithMemoryChunks) {
  char path[] = "/tmp/portico_sendfile_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string contents = pattern_bytes(3 * 1024 * 1024 + 17, 5);
  ASSERT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  ::close(fd);
  int err = 0;
  auto file = FileRef::open(path, &err);
  ::unlink(path);  // the open FileRef keeps the data reachable
  ASSERT_TRUE(file) << err;
  EXPECT_EQ(file->size(), static_cast<int64_t>(contents.size()));

  start_server([&](FnHandler& h, TcpConnection&) {
    h.connected = [&](TcpConnection& c) {
      c.send("<head>");
      c.send_file(file, 0, contents.size());
      c.send("<mid>");
      c.send_file(file, 100, 50);
      c.send("<tail>");
      c.close();
    };
  });
  Client c(port_);
  int rerr = -1;
  std::string got = c.read_to_eof(&rerr);
  EXPECT_EQ(rerr, 0);
  std::string expected = "<head>" + contents + "<mid>" + contents.substr(100, 50) + "<tail>";
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  finish();
}

TEST_P(ConnectionTest, AbortsWhenAFileIsShorterThanItsQueuedRegion) {
  char path[] = "/tmp/portico_short_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  auto file = FileRef::adopt(fd);
  ::unlink(path);
  start_server([&](FnHandler& h, TcpConnection&) {
    h.connected = [&](TcpConnection& c) { c.send_file(file, 0, 1000); };
  });
  Client c(port_);
  int err = 0;
  std::string got = c.read_to_eof(&err);
  EXPECT_EQ(err, ECONNRESET);
  EXPECT_LE(got.size(), 10u);
  finish();
}

TEST_P(ConnectionTest, SendfileToAResetPeerClosesTheConnectionWithoutKillingTheProcess) {
  char path[] = "/tmp/portico_sigpipe_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string contents = pattern_bytes(16 * 1024 * 1024, 9);
  ASSERT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  auto file = FileRef::adopt(fd);
  ::unlink(path);
  Signal started;
  start_server([&](FnHandler& h, TcpConnection&) {
    h.data = [&](TcpConnection& c, Buffer& in) {
      in.retrieve_all();
      c.send_file(file, 0, contents.size());
      started.notify();
    };
  });
  Client c(port_);
  ASSERT_TRUE(c.send_all("go"));
  ASSERT_TRUE(started.wait());
  c.read_exact(1000);
  c.reset_connection();
  ASSERT_TRUE(closed_.wait());  // reached only if SIGPIPE did not end the test binary
  finish();
}

TEST_P(ConnectionTest, PeerThatHalfClosesStillGetsItsReplies) {
  std::atomic<bool> saw_half_close{false};
  start_server([&](FnHandler& h, TcpConnection&) {
    h.data = [](TcpConnection& c, Buffer& in) {
      std::string reply = "echo:" + in.retrieve_all_as_string();
      c.send(reply);
    };
    h.peer_half_closed = [&](TcpConnection& c) {
      saw_half_close = true;
      EXPECT_EQ(c.state(), TcpConnection::State::kHalfClosed);
      EXPECT_TRUE(c.peer_closed());
      c.send("bye");
      c.shutdown();
    };
  });
  Client c(port_);
  ASSERT_TRUE(c.send_all("request"));
  c.shutdown_write();
  int err = -1;
  std::string got = c.read_to_eof(&err);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(got, "echo:requestbye");
  EXPECT_TRUE(saw_half_close);
  ASSERT_TRUE(closed_.wait());
  finish();
}

TEST_P(ConnectionTest, DefaultHalfCloseFinishesOurSideAndClosesTheConnection) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send_all("xyz"));
  c.shutdown_write();
  int err = -1;
  EXPECT_EQ(c.read_to_eof(&err), "xyz");
  EXPECT_EQ(err, 0);
  ASSERT_TRUE(closed_.wait());  // no CLOSE_WAIT left behind
  lt_->call([] {});             // the server's bookkeeping runs right after on_closed
  EXPECT_EQ(server_->connection_count(), 0u);
  finish();
}

TEST_P(ConnectionTest, PeerResetDoesNotDisturbOtherConnections) {
  start_server();
  Client a(port_);
  Client b(port_);
  ASSERT_TRUE(a.send_all("a1"));
  ASSERT_TRUE(b.send_all("b1"));
  EXPECT_EQ(a.read_exact(2), "a1");
  EXPECT_EQ(b.read_exact(2), "b1");
  a.reset_connection();
  ASSERT_TRUE(closed_.wait());
  ASSERT_TRUE(b.send_all("b2"));
  EXPECT_EQ(b.read_exact(2), "b2");
  Client c(port_);
  ASSERT_TRUE(c.send_all("c1"));
  EXPECT_EQ(c.read_exact(2), "c1");
  finish();
}

TEST_P(ConnectionTest, CloseErrorTellsAResetFromAnOrderlyClose) {
  std::atomic<int> errors[2] = {-1, -1};
  std::atomic<int> seen{0};
  start_server([&](FnHandler& h, TcpConnection&) {
    h.closed = [&, this](TcpConnection& c) {
      errors[seen++].store(c.close_error());
      closed_.notify();
    };
  });
  {
    Client a(port_);
    ASSERT_TRUE(a.send_all("a"));
    EXPECT_EQ(a.read_exact(1), "a");
    a.reset_connection();
    ASSERT_TRUE(closed_.wait());
  }
  {
    Client b(port_);
    ASSERT_TRUE(b.send_all("b"));
    EXPECT_EQ(b.read_exact(1), "b");
  }  // closed with a FIN: the default half-close handling finishes our side
  for (int i = 0; i < 500 && seen.load() < 2; ++i) lt_->call([] { ::usleep(1000); });
  ASSERT_EQ(seen.load(), 2);
  EXPECT_EQ(errors[0].load(), ECONNRESET);
  EXPECT_EQ(errors[1].load(), 0);
  finish();
}

TEST_P(ConnectionTest, PausedReadingDeliversNothingUntilResumed) {
  std::atomic<int> data_calls{0};
  start_server([&](FnHandler& h, TcpConnection&) {
    h.connected = [&, this](TcpConnection& c) {
      c.pause_reading();
      last_conn_ = ConnectionRef(c);
      connected_.notify();
    };
    h.data = [&](TcpConnection& c, Buffer& in) {
      ++data_calls;
      c.send(in);
    };
  });
  Client c(port_);
  ASSERT_TRUE(connected_.wait());
  ASSERT_TRUE(c.send_all("held"));
  // Round-trip through the loop several times: the input must stay unread while paused.
  for (int i = 0; i < 5; ++i) lt_->call([] {});
  EXPECT_EQ(data_calls.load(), 0);
  EXPECT_TRUE(lt_->call([&] { return last_conn_.get()->reading_paused(); }));
  lt_->call([&] { last_conn_.get()->resume_reading(); });
  EXPECT_EQ(c.read_exact(4), "held");
  EXPECT_GE(data_calls.load(), 1);
  finish();
}

TEST_P(ConnectionTest, ResumeRedeliversInputTheHandlerLeftBuffered) {
  std::vector<std::string> seen;
  start_server([&](FnHandler& h, TcpConnection&) {
    h.data = [&](TcpConnection& c, Buffer& in) {
      // Takes one byte per call and pauses, like a server that handles one pipelined
      // request at a time.
      seen.push_back(std::string(in.view().substr(0, 1)));
      in.retrieve(1);
      c.send(seen.back());
      c.pause_reading();
      c.run_after(0ms, [&c] { c.resume_reading(); });
    };
  });
  Client c(port_);
  ASSERT_TRUE(c.send_all("abc"));
  EXPECT_EQ(c.read_exact(3), "abc");
  finish();
}

TEST_P(ConnectionTest, HighWaterCallbackFiresOncePerCrossingAndWriteCompleteAfterDrain) {
  std::atomic<int> high_water_calls{0};
  std::atomic<size_t> queued_at_call{0};
  Signal high_water;
  Signal write_complete;
  const std::string big = pattern_bytes(4 * 1024 * 1024);
  start_server([&](FnHandler& h, TcpConnection& conn) {
    conn.set_high_water_mark(64 * 1024);
    h.high_water = [&](TcpConnection&, size_t queued) {
      ++high_water_calls;
      queued_at_call = queued;
      high_water.notify();
    };
    h.write_complete = [&](TcpConnection&) { write_complete.notify(); };
    h.connected = [&](TcpConnection& c) {
      c.send(big);
      c.send(big);  // still above the mark: no second call
    };
  });
  Client c(port_);
  c.set_recv_buffer(64 * 1024);
  // Not reading yet: 8 MiB cannot fit in the socket buffers, so the queue crosses the mark.
  ASSERT_TRUE(high_water.wait());
  std::string got = c.read_exact(2 * big.size());
  EXPECT_TRUE(got == big + big);
  ASSERT_TRUE(write_complete.wait());
  EXPECT_EQ(high_water_calls.load(), 1);
  EXPECT_GE(queued_at_call.load(), 64u * 1024);
  finish();
}

TEST_P(ConnectionTest, ExceedingTheHardQueueCapAbortsTheConnection) {
  start_server([&](FnHandler& h, TcpConnection& conn) {
    ConnectionLimits limits = conn.limits();
    limits.max_queued_bytes = 1024 * 1024;
    conn.set_limits(limits);
    h.connected = [](TcpConnection& c) {
      std::string chunk(256 * 1024, 'z');
      for (int i = 0; i < 64 && c.state() != TcpConnection::State::kClosed; ++i) c.send(chunk);
      EXPECT_EQ(c.state(), TcpConnection::State::kClosed);
    };
  });
  Client c(port_);
  c.set_recv_buffer(4096);
  ASSERT_TRUE(closed_.wait());
  int err = 0;
  c.read_to_eof(&err);
  EXPECT_EQ(err, ECONNRESET);
  finish();
}

TEST_P(ConnectionTest, AbortMakesThePeerSeeConnectionReset) {
  start_server(
      [&](FnHandler& h, TcpConnection&) { h.data = [](TcpConnection& c, Buffer&) { c.abort(); }; });
  Client c(port_);
  ASSERT_TRUE(c.send_all("x"));
  int err = 0;
  c.read_to_eof(&err);
  EXPECT_EQ(err, ECONNRESET);
  ASSERT_TRUE(closed_.wait());
  finish();
}

TEST_P(ConnectionTest, CloseFromAnotherThreadFlushesQueuedOutputFirst) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(connected_.wait());
  ConnectionRef ref = lt_->call([&] { return last_conn_; });
  ref.send("from another thread");
  ref.close();
  int err = -1;
  EXPECT_EQ(c.read_to_eof(&err), "from another thread");
  EXPECT_EQ(err, 0);
  c.reset();  // our FIN ends the server's lingering close
  ASSERT_TRUE(closed_.wait());
  finish();
}

TEST_P(ConnectionTest, LingeringCloseDiscardsLateInputInsteadOfResetting) {
  // The server answers and closes while the client is still sending: without lingering the
  // unread bytes would make the kernel send RST and the client could lose the answer.
  start_server([&](FnHandler& h, TcpConnection&) {
    h.data = [](TcpConnection& c, Buffer& in) {
      in.retrieve_all();
      c.send("answer");
      c.close();
    };
  });
  Client c(port_);
  ASSERT_TRUE(c.send_all("first"));
  EXPECT_EQ(c.read_exact(6), "answer");
  // Keep sending after the server's FIN; the server discards it.
  std::string junk(64 * 1024, 'j');
  for (int i = 0; i < 8; ++i) {
    if (!c.send_all(junk)) break;
  }
  c.shutdown_write();
  int err = -1;
  EXPECT_EQ(c.read_to_eof(&err), "");
  EXPECT_EQ(err, 0);
  ASSERT_TRUE(closed_.wait());
  finish();
}

TEST_P(ConnectionTest, IdleTimeoutClosesASilentConnection) {
  start_server([&](FnHandler&, TcpConnection& conn) { conn.set_idle_timeout(50ms); });
  Client c(port_);
  ASSERT_TRUE(c.send_all("ping"));
  EXPECT_EQ(c.read_exact(4), "ping");
  int err = -1;
  EXPECT_EQ(c.read_to_eof(&err), "");
  EXPECT_EQ(err, 0);
  ASSERT_TRUE(closed_.wait());
  finish();
}

TEST_P(ConnectionTest, HandlerCanOverrideIdleTimeout) {
  start_server([&](FnHandler& h, TcpConnection& conn) {
    conn.set_idle_timeout(20ms);
    h.idle = [](TcpConnection& c) {
      c.send("408");
      c.close();
    };
  });
  Client c(port_);
  EXPECT_EQ(c.read_to_eof(), "408");
  finish();
}

TEST_P(ConnectionTest, ConnectionTimerIsCancelledWhenTheConnectionCloses) {
  std::atomic<bool> fired{false};
  start_server([&](FnHandler& h, TcpConnection&) {
    h.connected = [&](TcpConnection& c) {
      c.run_after(30ms, [&] { fired = true; });
      c.force_close();
    };
  });
  Client c(port_);
  ASSERT_TRUE(closed_.wait());
  // A timer due later on the same loop fires after the cancelled one would have.
  Signal later;
  lt_->call([&] { lt_->loop()->run_after(60ms, [&] { later.notify(); }); });
  ASSERT_TRUE(later.wait());
  EXPECT_FALSE(fired);
  finish();
}

TEST_P(ConnectionTest, ClosingInsideOnDataDefersOnClosedUntilTheCallbackReturns) {
  std::vector<std::string> events;
  start_server([&](FnHandler& h, TcpConnection&) {
    h.data = [&](TcpConnection& c, Buffer&) {
      events.push_back("data-begin");
      c.force_close();
      EXPECT_EQ(c.state(), TcpConnection::State::kClosed);
      c.send("ignored after close");
      events.push_back("data-end");
    };
    h.closed = [&, this](TcpConnection&) {
      events.push_back("closed");
      closed_.notify();
    };
  });
  Client c(port_);
  ASSERT_TRUE(c.send_all("x"));
  ASSERT_TRUE(closed_.wait());
  lt_->call([] {});
  EXPECT_EQ(events, (std::vector<std::string>{"data-begin", "data-end", "closed"}));
  finish();
}

TEST_P(ConnectionTest, ReportsTcpInfoForALiveConnection) {
  start_server();
  Client c(port_);
  ASSERT_TRUE(c.send_all("a"));
  EXPECT_EQ(c.read_exact(1), "a");
  TcpInfo info = lt_->call([&] { return last_conn_.get()->tcp_info(); });
  EXPECT_TRUE(info.valid);
  EXPECT_EQ(info.state, 1);  // TCP_ESTABLISHED
  EXPECT_GT(info.snd_mss, 0u);
  finish();
}

TEST_P(ConnectionTest, ClosesEveryFdItOpened) {
  int before = testing::count_open_fds();
  start_server();
  {
    std::vector<Client> clients;
    for (int i = 0; i < 20; ++i) {
      clients.emplace_back(port_);
      ASSERT_TRUE(clients.back().send_all("hi"));
      EXPECT_EQ(clients.back().read_exact(2), "hi");
    }
  }
  ASSERT_TRUE(closed_.wait(20));
  server_.reset();
  EXPECT_EQ(testing::count_open_fds(), before);
  finish();
}

// A transport that behaves like TLS at its most awkward: a two-step handshake that first
// needs the socket writable, every other read first needs writability (as SSL_read can after
// WANT_WRITE), at most 7 bytes move per call, and decrypted input stays buffered inside the
// transport where no readiness event announces it. The connection must still move every byte.
class CrossoverTransport final : public Transport {
 public:
  explicit CrossoverTransport(int fd) : plain_(fd) {}
  IoResult handshake() override {
    if (handshake_steps_++ == 0) return IoResult::would_block(IoWant::kWrite);
    return IoResult::ok(0);
  }
  IoResult read(Buffer& into) override {
    flip_read_ = !flip_read_;
    if (flip_read_) return IoResult::would_block(IoWant::kWrite);
    if (pending_.empty()) {
      Buffer chunk;
      IoResult r = plain_.read(chunk);
      if (r.status != IoStatus::kOk) return r;
      pending_.append(chunk.view());
    }
    size_t n = std::min<size_t>(7, pending_.size());
    into.append(pending_.data(), n);
    pending_.erase(0, n);
    return IoResult::ok(n);
  }
  IoResult writev(const iovec* iov, int) override {
    iovec first = iov[0];
    first.iov_len = std::min<size_t>(first.iov_len, 7);
    return plain_.writev(&first, 1);
  }
  IoResult sendfile(int file_fd, int64_t* offset, size_t len) override {
    return plain_.sendfile(file_fd, offset, std::min<size_t>(len, 7));
  }
  IoResult shutdown_write() override { return plain_.shutdown_write(); }
  bool has_buffered_input() const override { return !pending_.empty(); }
  const char* name() const override { return "crossover"; }

 private:
  PlainTransport plain_;
  int handshake_steps_ = 0;
  bool flip_read_ = false;
  std::string pending_;
};

TEST_P(ConnectionTest, TransportThatCrossesReadAndWriteInterestStillMovesEveryByte) {
  ListenOptions options;
  server_ = std::make_unique<TcpServer>(lt_->loop(), std::vector<EventLoop*>{},
                                        InetAddress::loopback(0), options);
  server_->set_transport_factory([](int fd) { return std::make_unique<CrossoverTransport>(fd); });
  server_->set_handler_factory([](TcpConnection&) { return std::make_unique<FnHandler>(); });
  server_->start();
  Client c(server_->listen_address().port());
  const std::string msg = pattern_bytes(30000, 3);
  ASSERT_TRUE(c.send_all(msg));
  std::string got = c.read_exact(msg.size());
  EXPECT_TRUE(got == msg);
  finish();
}

TEST_P(ConnectionTest, TinyReadBudgetStillDeliversEverythingThroughContinuations) {
  start_server([&](FnHandler&, TcpConnection& conn) {
    ConnectionLimits limits = conn.limits();
    limits.read_budget_bytes = 16;
    conn.set_limits(limits);
  });
  Client c(port_);
  const std::string msg = pattern_bytes(300000, 4);
  ASSERT_TRUE(c.send_all(msg));
  std::string got = c.read_exact(msg.size());
  EXPECT_TRUE(got == msg);
  finish();
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectionTest,
                         ::testing::Values(Backend::kEpoll, Backend::kPoll),
                         testing::backend_test_name);

}  // namespace
}  // namespace portico::net
