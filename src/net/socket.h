// Socket: RAII ownership of a socket fd, plus the socket-option helpers the net layer uses.
#pragma once

#include <optional>
#include <utility>

#include "portico/net/inet_address.h"

namespace portico::net {

// Owns a file descriptor; closes it on destruction. Move-only.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { reset(); }
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

namespace sockets {

// A non-blocking, close-on-exec TCP socket of the address's family; -1 with errno on failure.
int create_tcp(const InetAddress& addr);
// Each returns false with errno set when setsockopt fails.
bool set_reuse_addr(int fd, bool on);
bool set_reuse_port(int fd, bool on);
bool set_tcp_nodelay(int fd, bool on);
bool set_keepalive(int fd, bool on);
bool set_defer_accept(int fd, int seconds);
bool set_fastopen(int fd, int queue_len);
// SO_LINGER {on, 0}: close() then sends RST.
bool set_linger_zero(int fd);
// Pending error (SO_ERROR), 0 if none.
int socket_error(int fd);
std::optional<InetAddress> local_address(int fd);
std::optional<InetAddress> peer_address(int fd);
// Loopback connect() to an unused ephemeral port can connect a socket to itself (TCP
// simultaneous open); such a "connection" must be treated as refused.
bool is_self_connect(int fd);

}  // namespace sockets
}  // namespace portico::net
