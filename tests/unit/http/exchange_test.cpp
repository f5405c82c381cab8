// Tests for asynchronous exchanges (exchange.h) through a real Server on loopback: streamed
// request bodies with backpressure, later and pushed responses, 100-continue, pipelining
// around an exchange, tunnels with half-close, and a client that goes away.
#include "portico/http/exchange.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "portico/http/server.h"

namespace portico::http {
namespace {

using namespace std::chrono_literals;

// A server with async routes, run on its own thread.
class ExchangeServer {
 public:
  static ServerOptions options() {
    ServerOptions o{.listen = {"127.0.0.1:0"}, .threads = 1, .handle_signals = false};
    o.shutdown_grace_ms = 500;
    o.limits.max_body_bytes = 1024;  // buffered bodies stay small; streamed ones do not
    return o;
  }
  ExchangeServer() : server_(options()) {
    Router& r = server_.router();
    r.get("/sync", [](const Request&, Response& res) { res.set_body("sync", "text/plain"); });
    // Collects the body, answers with its length and its first bytes.
    r.add_async(Method::kPost, "/echo", [](std::shared_ptr<Exchange> ex) {
      auto body = std::make_shared<std::string>();
      ex->set_callbacks({.on_client_data =
                             [body](std::string_view d) {
                               body->append(d);
                               return true;
                             },
                         .on_client_end =
                             [ex, body] {
                               Response res;
                               res.set_body(
                                   std::to_string(body->size()) + ":" + body->substr(0, 16),
                                   "text/plain");
                               ex->respond(std::move(res));
                             }});
    });
    // Pauses after every piece and resumes a millisecond later: backpressure toward the client.
    r.add_async(Method::kPost, "/slow-sink", [](std::shared_ptr<Exchange> ex) {
      auto total = std::make_shared<uint64_t>(0);
      std::weak_ptr<Exchange> weak = ex;
      ex->set_callbacks({.on_client_data =
                             [total, weak](std::string_view d) {
                               *total += d.size();
                               if (auto e = weak.lock()) {
                                 e->loop()->run_after(1ms, [weak] {
                                   if (auto e2 = weak.lock()) e2->resume_client_input();
                                 });
                               }
                               return false;
                             },
                         .on_client_end =
                             [ex, total] {
                               Response res;
                               res.set_body(std::to_string(*total), "text/plain");
                               ex->respond(std::move(res));
                             }});
    });
    // Answers 20 ms later without reading the body.
    r.mount_async("/later/", [](std::shared_ptr<Exchange> ex) {
      ex->loop()->run_after(20ms, [ex] {
        Response res;
        res.set_body("later " + std::string(ex->request().path()), "text/plain");
        ex->respond(std::move(res));
      });
    });
    // Pushes `n` KiB of 'x' in 64 KiB pieces, honouring send_body()'s backpressure.
    r.mount_async("/push/", [this](std::shared_ptr<Exchange> ex) {
      uint64_t kib = std::stoull(std::string(ex->request().path().substr(6)));
      auto left = std::make_shared<uint64_t>(kib * 1024);
      auto pump = std::make_shared<std::function<void()>>();
      std::weak_ptr<Exchange> weak = ex;
      *pump = [weak, left, this] {
        auto e = weak.lock();
        if (!e) return;
        while (*left > 0) {
          size_t n = static_cast<size_t>(std::min<uint64_t>(*left, 64 * 1024));
          *left -= n;
          if (!e->send_body(std::string(n, 'x'))) {
            ++drain_waits;
            return;  // on_client_drain calls the pump again
          }
        }
        e->end_body();
      };
      ex->set_callbacks({.on_client_drain = [pump] { (*pump)(); },
                         .on_client_gone =
                             [this, pump] {
                               ++gone;
                               *pump = nullptr;  // breaks pump -> pump
                             }});
      Response head(Status::kOk);
      head.set_header("Content-Type", "text/plain");
      ex->send_head(head, std::nullopt);
      ex->loop()->run_after(1ms, [pump] {
        if (*pump) (*pump)();
      });
    });
    // A tunnel that answers every byte upper-cased and ends its side after the client's FIN.
    r.add_async(Method::kGet, "/tunnel", [](std::shared_ptr<Exchange> ex) {
      Response res(Status::kSwitchingProtocols);
      res.set_header("Connection", "upgrade");
      res.set_header("Upgrade", "shout");
      ex->upgrade(res);
      std::weak_ptr<Exchange> weak = ex;
      ex->set_callbacks({.on_client_data =
                             [weak](std::string_view d) {
                               std::string up(d);
                               for (char& c : up) c = static_cast<char>(std::toupper(c));
                               if (auto e = weak.lock()) e->send_body(up);
                               return true;
                             },
                         .on_client_end = [ex] { ex->end_body(); }});
    });
    // Never answers: counts how often the client going away is reported.
    r.add_async(Method::kPost, "/hang", [this](std::shared_ptr<Exchange> ex) {
      ex->set_callbacks({.on_client_data = [](std::string_view) { return true; },
                         .on_client_gone = [this, ex] { ++gone; }});
    });
    // start() and run() on the same thread: the base loop belongs to the thread that made it.
    std::promise<uint16_t> port;
    thread_ = std::thread([this, &port] {
      server_.start();
      port.set_value(server_.listen_addresses().front().port());
      server_.run();
    });
    port_ = port.get_future().get();
  }
  ~ExchangeServer() {
    server_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::atomic<int> gone{0};
  std::atomic<int> drain_waits{0};

 private:
  Server server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// rcvbuf: a small receive buffer (set before connecting, so the window scale fits it).
int connect_to(uint16_t port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads until the peer closes (or a timeout): everything it sent.
std::string read_to_eof(int fd) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Reads until `needle` has been seen `times` times.
std::string read_until(int fd, std::string_view needle, int times = 1) {
  std::string out;
  char buf[65536];
  auto count = [&] {
    int c = 0;
    for (size_t p = out.find(needle); p != std::string::npos; p = out.find(needle, p + 1)) ++c;
    return c;
  };
  while (count() < times) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(Exchange, StreamsAContentLengthBodyLargerThanTheBufferedLimit) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  std::string body(200 * 1024, 'b');
  send_all(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string resp = read_to_eof(fd);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
  EXPECT_NE(resp.find("\r\n\r\n204800:bbbbbbbbbbbbbbbb"), std::string::npos) << resp;
  ::close(fd);
}

TEST(Exchange, StreamsAChunkedBodyDeChunked) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd,
           "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  std::string resp = read_until(fd, "11:hello world");
  EXPECT_NE(resp.find("Content-Length: 14\r\n"), std::string::npos) << resp;
  EXPECT_EQ(resp.find("Connection: close"), std::string::npos) << resp;
  ::close(fd);
}

TEST(Exchange, SendsContinueWhenTheHandlerAsksForTheBody) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd,
           "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  std::string interim = read_until(fd, "\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  send_all(fd, "abc");
  EXPECT_NE(read_until(fd, "3:abc").find("3:abc"), std::string::npos);
  ::close(fd);
}

TEST(Exchange, BackpressureTowardTheClientLosesNoByte) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  const size_t size = 4 * 1024 * 1024;
  std::string head =
      "POST /slow-sink HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
      std::to_string(size) + "\r\n\r\n";
  std::thread writer([&] {
    send_all(fd, head);
    send_all(fd, std::string(size, 'u'));
  });
  std::string resp = read_to_eof(fd);
  writer.join();
  EXPECT_NE(resp.find("\r\n\r\n4194304"), std::string::npos) << resp.substr(0, 200);
  ::close(fd);
}

TEST(Exchange, PipelinedRequestsAroundALaterAnswerKeepTheirOrder) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd,
           "GET /later/a HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /sync HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /later/b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::string resp = read_to_eof(fd);
  size_t a = resp.find("later /later/a");
  size_t sync = resp.find("\r\n\r\nsync");
  size_t b = resp.find("later /later/b");
  ASSERT_NE(a, std::string::npos) << resp;
  ASSERT_NE(sync, std::string::npos) << resp;
  ASSERT_NE(b, std::string::npos) << resp;
  EXPECT_LT(a, sync);
  EXPECT_LT(sync, b);
  ::close(fd);
}

TEST(Exchange, PushedBodyOfUnknownLengthIsChunked) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd, "GET /push/1 HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string resp = read_until(fd, "0\r\n\r\n");
  EXPECT_NE(resp.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("\r\n400\r\n" + std::string(1024, 'x') + "\r\n0\r\n\r\n"), std::string::npos);
  // The connection is reusable after the pushed response.
  send_all(fd, "GET /sync HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_NE(read_to_eof(fd).find("\r\n\r\nsync"), std::string::npos);
  ::close(fd);
}

TEST(Exchange, PushedBodyToAnHttp10ClientEndsWithTheConnection) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd, "GET /push/8 HTTP/1.0\r\nHost: t\r\n\r\n");
  std::string resp = read_to_eof(fd);
  EXPECT_EQ(resp.find("Transfer-Encoding"), std::string::npos) << resp.substr(0, 300);
  EXPECT_NE(resp.find("Connection: close\r\n"), std::string::npos);
  size_t body = resp.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(resp.size() - body - 4, 8u * 1024);
  ::close(fd);
}

TEST(Exchange, PushedResponseToHeadHasNoBody) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd,
           "HEAD /push/4 HTTP/1.1\r\nHost: t\r\n\r\nGET /sync HTTP/1.1\r\nHost: t\r\n"
           "Connection: close\r\n\r\n");
  std::string resp = read_to_eof(fd);
  size_t second = resp.find("HTTP/1.1 200 OK", 1);
  ASSERT_NE(second, std::string::npos) << resp;
  EXPECT_EQ(resp.substr(second - 4, 4), "\r\n\r\n");  // nothing between the two heads' ends
  EXPECT_NE(resp.find("\r\n\r\nsync"), std::string::npos);
  ::close(fd);
}

TEST(Exchange, LargePushedBodyHonoursBackpressure) {
  ExchangeServer s;
  int fd = connect_to(s.port(), 16384);
  send_all(fd, "GET /push/8192 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::this_thread::sleep_for(200ms);  // let the server fill the socket and wait
  std::string resp = read_to_eof(fd);
  EXPECT_TRUE(resp.ends_with("0\r\n\r\n"));
  EXPECT_GT(resp.size(), 8u * 1024 * 1024);
  EXPECT_GT(s.drain_waits.load(), 0);
  ::close(fd);
}

TEST(Exchange, TunnelRelaysBytesAndPassesTheHalfClose) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd,
           "GET /tunnel HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: shout\r\n\r\n"
           "early ");
  std::string head = read_until(fd, "EARLY ");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << head;
  EXPECT_NE(head.find("Upgrade: shout\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
  send_all(fd, "bytes");
  EXPECT_NE(read_until(fd, "BYTES").find("BYTES"), std::string::npos);
  ::shutdown(fd, SHUT_WR);
  EXPECT_EQ(read_to_eof(fd), "");  // the server ended its side in turn
  ::close(fd);
}

TEST(Exchange, ClientGoingAwayIsReportedOnce) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd, "POST /hang HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\npartial");
  std::this_thread::sleep_for(50ms);
  ::close(fd);
  for (int i = 0; i < 200 && s.gone.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(s.gone.load(), 1);
}

TEST(Exchange, MethodsTheServerDoesNotKnowReachAsyncRoutes) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd,
           "PATCH /later/p HTTP/1.1\r\nHost: t\r\n\r\n"
           "PATCH /sync HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::string resp = read_to_eof(fd);
  EXPECT_NE(resp.find("later /later/p"), std::string::npos) << resp;
  EXPECT_NE(resp.find("HTTP/1.1 501 Not Implemented"), std::string::npos) << resp;
  ::close(fd);
}

TEST(Exchange, BufferedRoutesKeepTheirBodyLimit) {
  ExchangeServer s;
  int fd = connect_to(s.port());
  send_all(fd, "POST /sync HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
  std::string resp = read_to_eof(fd);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 413 ")) << resp;
  ::close(fd);
}

}  // namespace
}  // namespace portico::http
