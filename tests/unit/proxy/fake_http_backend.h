// A scripted HTTP/1.1 backend on 127.0.0.1 for proxy tests, on its own thread with blocking
// sockets: answers each request with a chosen status, or hangs, or talks nonsense.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace portico::proxy::testing {

class FakeHttpBackend {
 public:
  enum class Mode : int {
    kRespond,  // "HTTP/1.1 <status> ..." then close
    kHang,     // read the request, never answer (the connection stays open)
    kGarbage,  // answer with bytes that are not HTTP
    kHangUp,   // close without answering
  };

  FakeHttpBackend() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
      throw std::runtime_error("fake backend: cannot listen");
    }
    port_ = ntohs(sin.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeHttpBackend() {
    stop_ = true;
    thread_.join();
    for (int fd : held_) ::close(fd);
    ::close(fd_);
  }
  FakeHttpBackend(const FakeHttpBackend&) = delete;
  FakeHttpBackend& operator=(const FakeHttpBackend&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void set_status(int status) { status_ = status; }
  void set_mode(Mode mode) { mode_ = static_cast<int>(mode); }
  int requests() const { return requests_; }
  // The last request head received (read on the test thread only after requests() moved).
  std::string last_request() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_request_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) != 1) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos && !stop_) {
        pollfd cp{c, POLLIN, 0};
        if (::poll(&cp, 1, 20) != 1) continue;
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_request_ = req;
      }
      ++requests_;
      const auto mode = static_cast<Mode>(mode_.load());
      std::string out;
      switch (mode) {
        case Mode::kRespond:
          out = "HTTP/1.1 " + std::to_string(status_.load()) +
                " Status\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
          break;
        case Mode::kGarbage: out = "SSH-2.0-OpenSSH_9.2\r\n"; break;
        case Mode::kHang: held_.push_back(c); continue;
        case Mode::kHangUp: break;
      }
      if (!out.empty()) ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> status_{200};
  std::atomic<int> mode_{0};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::string last_request_;
  std::vector<int> held_;  // kHang connections, closed at the end (backend thread only)
  std::thread thread_;
};

}  // namespace portico::proxy::testing
