// Echo ping-pong over loopback connections, epoll vs poll: messages per second per backend.
//
//   echo_pingpong_load [--connections N] [--seconds S] [--size BYTES] [--backend epoll|poll|both]
//
// One server loop thread echoes; one client loop thread keeps N connections each with one
// message in flight (send, wait for the echo, send again). Both sides use the backend under
// test, so the figure is the reactor's cost per readiness event plus the syscalls.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "portico/net/buffer.h"
#include "portico/net/event_loop.h"
#include "portico/net/event_loop_thread_pool.h"
#include "portico/net/tcp_client.h"
#include "portico/net/tcp_server.h"

namespace {

using namespace portico::net;

struct Options {
  int connections = 64;
  int seconds = 3;
  size_t size = 64;
  std::vector<Backend> backends{Backend::kEpoll, Backend::kPoll};
};

class EchoHandler : public ConnectionHandler {
 public:
  void on_data(TcpConnection& conn, Buffer& input) override { conn.send(input); }
};

// Sends a message, waits until the whole echo is back, counts it, sends again.
class PingHandler : public ConnectionHandler {
 public:
  PingHandler(const std::string* message, std::atomic<uint64_t>* count, const bool* stopping)
      : message_(message), count_(count), stopping_(stopping) {}
  void on_connected(TcpConnection& conn) override { conn.send(std::string_view(*message_)); }
  void on_data(TcpConnection& conn, Buffer& input) override {
    while (input.readable_bytes() >= message_->size()) {
      input.retrieve(message_->size());
      count_->fetch_add(1, std::memory_order_relaxed);
      if (!*stopping_) conn.send(std::string_view(*message_));
    }
  }

 private:
  const std::string* message_;
  std::atomic<uint64_t>* count_;
  const bool* stopping_;
};

double run(Backend backend, const Options& opt) {
  EventLoopThreadPool server_pool(backend, 1);
  server_pool.start();
  TcpServer server(server_pool.next(), {}, InetAddress::loopback(0));
  server.set_handler_factory([](TcpConnection&) { return std::make_unique<EchoHandler>(); });
  server.start();

  EventLoop client_loop(backend);
  std::string message(opt.size, 'p');
  std::atomic<uint64_t> count{0};
  bool stopping = false;
  std::vector<std::unique_ptr<TcpClient>> clients;
  int connected = 0;
  uint64_t start_count = 0;
  std::chrono::steady_clock::time_point start;
  for (int i = 0; i < opt.connections; ++i) {
    auto client = std::make_unique<TcpClient>(&client_loop, server.listen_address());
    client->set_handler_factory(
        [&](TcpConnection&) { return std::make_unique<PingHandler>(&message, &count, &stopping); });
    client->set_on_connected([&](TcpConnection&) {
      if (++connected == opt.connections) {
        start = std::chrono::steady_clock::now();
        start_count = count.load();
      }
    });
    client->set_on_failure([](int err) {
      std::fprintf(stderr, "connect failed: %s\n", std::strerror(err));
      std::exit(1);
    });
    client->connect();
    clients.push_back(std::move(client));
  }
  uint64_t end_count = 0;
  std::chrono::steady_clock::time_point end;
  client_loop.run_every(std::chrono::milliseconds(100), [&] {
    if (connected < opt.connections) return;
    if (std::chrono::steady_clock::now() - start < std::chrono::seconds(opt.seconds)) return;
    end = std::chrono::steady_clock::now();
    end_count = count.load();
    stopping = true;
    client_loop.quit();
  });
  client_loop.run();
  client_loop.for_each_connection([](TcpConnection& c) { c.force_close(); });
  double secs = std::chrono::duration<double>(end - start).count();
  return static_cast<double>(end_count - start_count) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--connections") {
      opt.connections = std::atoi(value().c_str());
    } else if (arg == "--seconds") {
      opt.seconds = std::atoi(value().c_str());
    } else if (arg == "--size") {
      opt.size = static_cast<size_t>(std::atol(value().c_str()));
    } else if (arg == "--backend") {
      std::string b = value();
      if (b == "both") continue;
      auto parsed = EventLoop::parse_backend(b);
      if (!parsed) {
        std::fprintf(stderr, "unknown backend '%s' (epoll, poll, both)\n", b.c_str());
        return 2;
      }
      opt.backends = {*parsed};
    } else {
      std::fprintf(stderr,
                   "usage: %s [--connections N] [--seconds S] [--size BYTES] "
                   "[--backend epoll|poll|both]\n",
                   argv[0]);
      return 2;
    }
  }
  if (opt.connections < 1 || opt.seconds < 1 || opt.size < 1) {
    std::fprintf(stderr, "connections, seconds and size must be positive\n");
    return 2;
  }
  std::printf("echo ping-pong: %d connections, %zu-byte messages, %d s per backend\n",
              opt.connections, opt.size, opt.seconds);
  for (Backend b : opt.backends) {
    double rate = run(b, opt);
    std::printf("%-6s %12.0f msgs/s\n", EventLoop::backend_name(b), rate);
    std::fflush(stdout);
  }
  return 0;
}
