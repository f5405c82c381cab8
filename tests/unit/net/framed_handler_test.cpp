// Tests for FramedHandler over real loopback connections: delivery, errors, close, pause.
#include "portico/net/framed_handler.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "portico/base/log.h"
#include "portico/net/delimiter_codec.h"
#include "portico/net/event_loop.h"
#include "portico/net/tcp_connection.h"
#include "portico/net/tcp_server.h"

namespace portico::net {
namespace {

using namespace std::chrono_literals;
using Frames = std::vector<std::string>;

// A blocking client socket for the test thread, with a receive timeout so a bug cannot hang.
class Client {
 public:
  explicit Client(const InetAddress& server) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connected_ = ::connect(fd_, server.sockaddr_ptr(), server.sockaddr_len()) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Reads until the peer closes (or the timeout); returns everything.
  std::string read_to_eof() {
    std::string all;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return all;
      all.append(buf, static_cast<size_t>(n));
    }
  }
  std::string read_exactly(size_t n) {
    std::string all;
    char buf[4096];
    while (all.size() < n) {
      ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - all.size()), 0);
      if (got <= 0) break;
      all.append(buf, static_cast<size_t>(got));
    }
    return all;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Runs a one-loop server with the given handler factory; `client` runs on another thread
// and the loop stops when it returns (or after a safety timeout).
void run_with_server(TcpServer::HandlerFactory factory,
                     const std::function<void(const InetAddress&)>& client) {
  EventLoop loop;
  TcpServer server(&loop, {}, InetAddress::loopback(0));
  server.set_handler_factory(std::move(factory));
  server.start();
  const InetAddress addr = server.listen_address();
  std::thread client_thread([&] {
    client(addr);
    loop.quit();
  });
  const TimerId guard = loop.run_after(30s, [&] {
    ADD_FAILURE() << "test timed out";
    loop.quit();
  });
  loop.run();
  loop.cancel(guard);
  client_thread.join();
}

// Collects log lines while alive (the loop thread logs; the test thread reads after join).
class LogCapture {
 public:
  LogCapture() {
    set_log_sink([this](LogLevel, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { set_log_sink(nullptr); }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::unique_ptr<FrameDecoder> lines(size_t max) {
  return std::make_unique<DelimiterCodec>("\n", max);
}

TEST(FramedHandlerTest, DeliversWholeFramesAndSendsEncodedReplies) {
  auto encoder = std::make_shared<DelimiterCodec>("\n", 100);
  Frames seen;  // loop thread only until the loop stops
  run_with_server(
      framed_handler_factory([] { return lines(100); }, encoder,
                             [&](FramedHandler& self, TcpConnection& conn, std::string_view f) {
                               seen.emplace_back(f);
                               EXPECT_EQ(self.send_frame(conn, "echo:" + std::string(f)),
                                         EncodeStatus::kOk);
                             }),
      [](const InetAddress& addr) {
        Client c(addr);
        ASSERT_TRUE(c.connected());
        c.send("hel");
        c.send("lo\nwor");
        c.send("ld\n\n");
        EXPECT_EQ(c.read_exactly(28), "echo:hello\necho:world\necho:\n");
      });
  EXPECT_EQ(seen, (Frames{"hello", "world", ""}));
}

TEST(FramedHandlerTest, OversizedFrameCallsTheErrorCallbackLogsThePeerAndCloses) {
  LogCapture log;
  auto encoder = std::make_shared<DelimiterCodec>("\n", 10);
  Frames seen;
  std::vector<DecodeStatus> errors;
  run_with_server(
      framed_handler_factory([] { return lines(10); }, encoder,
                             [&](FramedHandler& self, TcpConnection& conn, std::string_view f) {
                               seen.emplace_back(f);
                               self.send_frame(conn, f);
                             },
                             [&](TcpConnection& conn, const DecodeResult& error) {
                               errors.push_back(error.status);
                               EXPECT_FALSE(error.message.empty());
                               conn.send("too long\n");  // a last word before the close
                             }),
      [](const InetAddress& addr) {
        Client c(addr);
        // The frames after the bad one must never be delivered.
        c.send("a\n" + std::string(50, 'x') + "\nb\n");
        EXPECT_EQ(c.read_to_eof(), "a\ntoo long\n");
      });
  EXPECT_EQ(seen, (Frames{"a"}));
  EXPECT_EQ(errors, (std::vector<DecodeStatus>{DecodeStatus::kFrameTooLarge}));
  const auto log_lines = log.lines();
  ASSERT_EQ(log_lines.size(), 1u);
  EXPECT_NE(log_lines[0].find("127.0.0.1:"), std::string::npos) << log_lines[0];
  EXPECT_NE(log_lines[0].find("delimiter codec: frame too large"), std::string::npos)
      << log_lines[0];
  EXPECT_NE(log_lines[0].find("closing"), std::string::npos) << log_lines[0];
}

TEST(FramedHandlerTest, OversizedFrameIsCaughtBeforeItsDelimiterArrives) {
  LogCapture log;
  bool failed = false;
  run_with_server(
      framed_handler_factory([] { return lines(10); }, nullptr,
                             [](FramedHandler&, TcpConnection&, std::string_view) {},
                             [&](TcpConnection&, const DecodeResult&) { failed = true; }),
      [](const InetAddress& addr) {
        Client c(addr);
        c.send(std::string(64, 'z'));  // no newline ever
        EXPECT_EQ(c.read_to_eof(), "");
      });
  EXPECT_TRUE(failed);
}

TEST(FramedHandlerTest, ClosingInsideOnFrameStopsDelivery) {
  auto encoder = std::make_shared<DelimiterCodec>("\n", 100);
  Frames seen;
  run_with_server(
      framed_handler_factory([] { return lines(100); }, encoder,
                             [&](FramedHandler& self, TcpConnection& conn, std::string_view f) {
                               seen.emplace_back(f);
                               if (f == "quit") {
                                 self.send_frame(conn, "bye");
                                 conn.close();
                               }
                             }),
      [](const InetAddress& addr) {
        Client c(addr);
        c.send("one\nquit\ntwo\nthree\n");
        EXPECT_EQ(c.read_to_eof(), "bye\n");
      });
  EXPECT_EQ(seen, (Frames{"one", "quit"}));
}

// Pauses reading after every frame and resumes a millisecond later: frames still arrive
// complete and in order, one per resume.
class PausingHandler : public FramedHandler {
 public:
  explicit PausingHandler(Frames* seen)
      : FramedHandler(lines(100), std::make_shared<DelimiterCodec>("\n", 100)), seen_(seen) {}

  void on_frame(TcpConnection& conn, std::string_view frame) override {
    seen_->emplace_back(frame);
    send_frame(conn, frame);
    conn.pause_reading();
    conn.run_after(1ms, [&conn] { conn.resume_reading(); });
  }

 private:
  Frames* seen_;
};

TEST(FramedHandlerTest, PausedConnectionGetsTheRestOnResume) {
  Frames seen;
  run_with_server([&](TcpConnection&) { return std::make_unique<PausingHandler>(&seen); },
                  [](const InetAddress& addr) {
                    Client c(addr);
                    c.send("1\n2\n3\n4\n5\n");
                    EXPECT_EQ(c.read_exactly(10), "1\n2\n3\n4\n5\n");
                  });
  EXPECT_EQ(seen, (Frames{"1", "2", "3", "4", "5"}));
}

TEST(FramedHandlerTest, SendFrameWithoutAnEncoderSendsNothing) {
  EncodeStatus status = EncodeStatus::kOk;
  run_with_server(
      framed_handler_factory([] { return lines(100); }, nullptr,
                             [&](FramedHandler& self, TcpConnection& conn, std::string_view) {
                               status = self.send_frame(conn, "x");
                               conn.close();
                             }),
      [](const InetAddress& addr) {
        Client c(addr);
        c.send("ping\n");
        EXPECT_EQ(c.read_to_eof(), "");
      });
  EXPECT_EQ(status, EncodeStatus::kInvalidPayload);
}

TEST(FramedHandlerTest, EachConnectionGetsItsOwnDecoder) {
  // Two clients interleave partial lines; per-connection decoders keep them apart.
  auto encoder = std::make_shared<DelimiterCodec>("\n", 100);
  run_with_server(framed_handler_factory([] { return lines(100); }, encoder,
                                         [](FramedHandler& self, TcpConnection& conn,
                                            std::string_view f) { self.send_frame(conn, f); }),
                  [](const InetAddress& addr) {
                    Client a(addr);
                    Client b(addr);
                    a.send("from-");
                    b.send("other-");
                    a.send("a\n");
                    b.send("b\n");
                    EXPECT_EQ(a.read_exactly(7), "from-a\n");
                    EXPECT_EQ(b.read_exactly(8), "other-b\n");
                  });
}

}  // namespace
}  // namespace portico::net
