// Connection-rate load for TcpServer's two listener models: SO_REUSEPORT per loop vs shared.
//
//   accept_load [--workers N] [--clients N] [--seconds S] [--backend epoll|poll]
//
// Client threads open a connection, send one byte, read the echo and close, as fast as they
// can; the server runs N worker loops. Prints connections per second for each model. This is
// the figure behind the default (ListenOptions::reuse_port = true); see docs/benchmarks.md.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "portico/net/event_loop_thread_pool.h"
#include "portico/net/tcp_server.h"

namespace {

using namespace portico::net;

class EchoHandler : public ConnectionHandler {
 public:
  void on_data(TcpConnection& conn, Buffer& input) override { conn.send(input); }
};

bool one_exchange(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 &&
            ::send(fd, "x", 1, MSG_NOSIGNAL) == 1;
  char c;
  ok = ok && ::recv(fd, &c, 1, 0) == 1;
  // Client-side RST avoids piling up TIME_WAIT sockets on the client ports during the run.
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(fd);
  return ok;
}

double run(Backend backend, int workers, int clients, int seconds, bool reuse_port) {
  EventLoopThreadPool base(backend, 1);
  base.start();
  EventLoopThreadPool pool(backend, workers);
  pool.start();
  ListenOptions options;
  options.reuse_port = reuse_port;
  TcpServer server(base.next(), pool.loops(), InetAddress::loopback(0), options);
  server.set_handler_factory([](TcpConnection&) { return std::make_unique<EchoHandler>(); });
  server.start();
  uint16_t port = server.listen_address().port();

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failed{0};
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (one_exchange(port)) {
          done.fetch_add(1, std::memory_order_relaxed);
        } else {
          failed.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed > 0)
    std::fprintf(stderr, "  (%llu failed exchanges)\n",
                 static_cast<unsigned long long>(failed.load()));
  return static_cast<double>(done.load()) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  int workers = 2;
  int clients = 4;
  int seconds = 3;
  Backend backend = Backend::kEpoll;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr,
                   "usage: %s [--workers N] [--clients N] [--seconds S] "
                   "[--backend epoll|poll]\n",
                   argv[0]);
      return 2;
    }
    std::string value = argv[++i];
    if (arg == "--workers") {
      workers = std::atoi(value.c_str());
    } else if (arg == "--clients") {
      clients = std::atoi(value.c_str());
    } else if (arg == "--seconds") {
      seconds = std::atoi(value.c_str());
    } else if (arg == "--backend") {
      auto b = EventLoop::parse_backend(value);
      if (!b) {
        std::fprintf(stderr, "unknown backend '%s'\n", value.c_str());
        return 2;
      }
      backend = *b;
    } else {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  if (workers < 1 || clients < 1 || seconds < 1) {
    std::fprintf(stderr, "workers, clients and seconds must be positive\n");
    return 2;
  }
  std::printf("accept load: %d worker loops, %d client threads, %d s, %s\n", workers, clients,
              seconds, EventLoop::backend_name(backend));
  for (bool reuse_port : {true, false}) {
    double rate = run(backend, workers, clients, seconds, reuse_port);
    std::printf("%-28s %10.0f conns/s\n",
                reuse_port ? "SO_REUSEPORT per loop" : "shared listener, hand-off", rate);
    std::fflush(stdout);
  }
  return 0;
}
