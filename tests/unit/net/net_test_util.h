// Helpers for net tests: blocking loopback clients, a loop on its own thread, callback handlers.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "portico/net/buffer.h"
#include "portico/net/connection_handler.h"
#include "portico/net/event_loop.h"
#include "portico/net/event_loop_thread_pool.h"
#include "portico/net/tcp_connection.h"

namespace portico::net::testing {

// Upper bound for any wait in a test: reaching it means the behaviour under test is broken
// (tests never assert on durations).
inline constexpr int kSafetyTimeoutMs = 10000;

inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return EventLoop::backend_name(info.param);
}

// A blocking IPv4 loopback client socket.
class Client {
 public:
  Client() = default;
  explicit Client(uint16_t port) { connect_to(port); }
  ~Client() { reset(); }
  Client(Client&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Client& operator=(Client&& o) noexcept {
    reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }

  bool connect_to(uint16_t port) {
    reset();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0;
  }
  int fd() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Waits up to timeout_ms for readability. True if readable (data, EOF or error).
  bool wait_readable(int timeout_ms = kSafetyTimeoutMs) {
    pollfd pfd{fd_, POLLIN, 0};
    return ::poll(&pfd, 1, timeout_ms) == 1;
  }

  // Reads exactly n bytes (less on EOF, error or the safety timeout). *err gets errno.
  std::string read_exact(size_t n, int* err = nullptr) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      if (!wait_readable()) break;
      ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && err) *err = errno;
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }

  // Reads until EOF; *err gets errno if the stream ended with an error (e.g. ECONNRESET).
  std::string read_to_eof(int* err = nullptr) {
    std::string out;
    char buf[65536];
    while (true) {
      if (!wait_readable()) {
        if (err) *err = ETIMEDOUT;
        break;
      }
      ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        if (err) *err = errno;
        break;
      }
      if (r == 0) {
        if (err) *err = 0;
        break;
      }
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  // Closes with SO_LINGER 0: the server sees a reset.
  void reset_connection() {
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    reset();
  }
  void set_recv_buffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }

 private:
  int fd_ = -1;
};

// One EventLoop running on its own thread.
class LoopThread {
 public:
  explicit LoopThread(Backend backend) : pool_(backend, 1) {
    pool_.start();
    loop_ = pool_.next();
  }
  EventLoop* loop() const { return loop_; }
  // Runs fn on the loop thread and waits for it.
  template <typename F>
  auto call(F&& fn) {
    using R = decltype(fn());
    if constexpr (std::is_void_v<R>) {
      loop_->run_in_loop_and_wait(std::forward<F>(fn));
    } else {
      R result{};
      loop_->run_in_loop_and_wait([&] { result = fn(); });
      return result;
    }
  }
  void stop() { pool_.stop(); }

 private:
  EventLoopThreadPool pool_;
  EventLoop* loop_ = nullptr;
};

// A latch the test thread can wait on (bounded by the safety timeout).
class Signal {
 public:
  void notify() {
    std::lock_guard lock(mutex_);
    ++count_;
    cv_.notify_all();
  }
  bool wait(int count = 1) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kSafetyTimeoutMs),
                        [&] { return count_ >= count; });
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int count_ = 0;
};

// A handler whose behaviour is given by std::functions; unset ones do the default.
struct FnHandler : ConnectionHandler {
  std::function<void(TcpConnection&)> connected;
  std::function<void(TcpConnection&, Buffer&)> data;
  std::function<void(TcpConnection&)> write_complete;
  std::function<void(TcpConnection&, size_t)> high_water;
  std::function<void(TcpConnection&)> peer_half_closed;
  std::function<void(TcpConnection&)> idle;
  std::function<void(TcpConnection&)> closed;

  void on_connected(TcpConnection& c) override {
    if (connected) connected(c);
  }
  void on_data(TcpConnection& c, Buffer& in) override {
    if (data) {
      data(c, in);
    } else {
      c.send(in);  // echo
    }
  }
  void on_write_complete(TcpConnection& c) override {
    if (write_complete) write_complete(c);
  }
  void on_high_water(TcpConnection& c, size_t q) override {
    if (high_water) high_water(c, q);
  }
  void on_peer_half_closed(TcpConnection& c) override {
    if (peer_half_closed) {
      peer_half_closed(c);
    } else {
      ConnectionHandler::on_peer_half_closed(c);
    }
  }
  void on_idle_timeout(TcpConnection& c) override {
    if (idle) {
      idle(c);
    } else {
      ConnectionHandler::on_idle_timeout(c);
    }
  }
  void on_closed(TcpConnection& c) override {
    if (closed) closed(c);
  }
};

inline std::string pattern_bytes(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// Number of open fds in this process (for leak checks).
inline int count_open_fds() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n - 3;  // ".", ".." and the directory's own fd
}

}  // namespace portico::net::testing
