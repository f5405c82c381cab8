// Forward proxy load: throughput through one CONNECT tunnel against a direct connection (the
// ceiling), and CONNECT tunnels opened per second.
//
//   portico forward-proxy --listen 127.0.0.1:3128 --allow-networks 127.0.0.0/8
//       --allow-ports 19001,19002 &   (one line)
//   tunnel_load --proxy 127.0.0.1:3128 [--mib N] [--seconds S] [--clients N]
//               [--sink-port 19001] [--echo-port 19002]
//
// Runs its own loopback sink (reads everything, answers the byte count after the client's FIN)
// and one-byte echo server as the targets. Figures: docs/benchmarks.md.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int listen_loopback(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(*port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 || ::listen(fd, 4096) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  socklen_t len = sizeof sin;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  *port = ntohs(sin.sin_port);
  return fd;
}

int connect_to(const std::string& host, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &sin.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Sink: reads until EOF, then writes the count as text and closes.
void sink_server(int lfd) {
  for (;;) {
    int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    std::thread([c] {
      std::vector<char> buf(1 << 20);
      uint64_t total = 0;
      for (;;) {
        ssize_t r = ::read(c, buf.data(), buf.size());
        if (r <= 0) break;
        total += static_cast<uint64_t>(r);
      }
      std::string s = std::to_string(total);
      write_all(c, s.data(), s.size());
      ::close(c);
    }).detach();
  }
}

// Echo of one byte then close (for tunnels per second).
void echo_server(int lfd) {
  for (;;) {
    int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    std::thread([c] {
      char b;
      if (::read(c, &b, 1) == 1) write_all(c, &b, 1);
      ::close(c);
    }).detach();
  }
}

// CONNECT through the proxy; true when the answer is 2xx.
bool open_tunnel(int fd, uint16_t target_port) {
  std::string req =
      "CONNECT 127.0.0.1:" + std::to_string(target_port) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (!write_all(fd, req.data(), req.size())) return false;
  std::string head;
  char c;
  while (head.size() < 4096 && head.find("\r\n\r\n") == std::string::npos) {
    if (::read(fd, &c, 1) != 1) return false;
    head += c;
  }
  return head.compare(0, 10, "HTTP/1.1 2") == 0;
}

// Sends `bytes` and waits for the sink's count; returns MiB/s or -1.
double push(int fd, uint64_t bytes) {
  std::vector<char> block(1 << 20, 'x');
  auto t0 = Clock::now();
  for (uint64_t sent = 0; sent < bytes; sent += block.size()) {
    if (!write_all(fd, block.data(), block.size())) return -1;
  }
  ::shutdown(fd, SHUT_WR);
  char buf[64];
  ssize_t r = ::read(fd, buf, sizeof buf - 1);
  auto secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (r <= 0) return -1;
  buf[r] = '\0';
  if (std::strtoull(buf, nullptr, 10) != bytes) return -1;
  return static_cast<double>(bytes) / (1024.0 * 1024.0) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string proxy_host = "127.0.0.1";
  uint16_t proxy_port = 0;
  uint64_t mib = 2048;
  int seconds = 5;
  int clients = 8;
  uint16_t sink_port = 19001;
  uint16_t echo_port = 19002;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--proxy") {
      std::string v = argv[i + 1];
      size_t colon = v.rfind(':');
      proxy_host = v.substr(0, colon);
      proxy_port = static_cast<uint16_t>(std::atoi(v.c_str() + colon + 1));
    } else if (a == "--mib") {
      mib = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (a == "--seconds") {
      seconds = std::atoi(argv[i + 1]);
    } else if (a == "--sink-port") {
      sink_port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    } else if (a == "--echo-port") {
      echo_port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    } else if (a == "--clients") {
      clients = std::atoi(argv[i + 1]);
    }
  }
  if (proxy_port == 0) {
    std::fprintf(stderr,
                 "usage: tunnel_load --proxy HOST:PORT [--mib N] [--seconds S] "
                 "[--clients N]\n");
    return 2;
  }
  int sink_fd = listen_loopback(&sink_port);
  int echo_fd = listen_loopback(&echo_port);
  std::thread(sink_server, sink_fd).detach();
  std::thread(echo_server, echo_fd).detach();
  std::printf("sink port %u, echo port %u\n", sink_port, echo_port);

  const uint64_t bytes = mib * 1024 * 1024;
  int direct = connect_to("127.0.0.1", sink_port);
  std::printf("direct:        %.0f MiB/s (%llu MiB)\n", push(direct, bytes),
              static_cast<unsigned long long>(mib));
  ::close(direct);
  int tunneled = connect_to(proxy_host, proxy_port);
  if (tunneled < 0 || !open_tunnel(tunneled, sink_port)) {
    std::fprintf(stderr, "CONNECT failed (is 127.0.0.0/8 and port %u allowed?)\n", sink_port);
    return 1;
  }
  std::printf("CONNECT tunnel: %.0f MiB/s (%llu MiB)\n", push(tunneled, bytes),
              static_cast<unsigned long long>(mib));
  ::close(tunneled);

  // Tunnels per second: CONNECT, one byte each way, close; `clients` threads.
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failed{0};
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (Clock::now() < until) {
        int fd = connect_to(proxy_host, proxy_port);
        char b = 'x';
        bool ok =
            fd >= 0 && open_tunnel(fd, echo_port) && write_all(fd, &b, 1) && ::read(fd, &b, 1) == 1;
        if (fd >= 0) ::close(fd);
        (ok ? done : failed).fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::printf("tunnels/s:     %.0f (%d clients, %llu failed)\n",
              static_cast<double>(done.load()) / seconds, clients,
              static_cast<unsigned long long>(failed.load()));
  return 0;
}
