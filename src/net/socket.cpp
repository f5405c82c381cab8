// Socket fd ownership and socket-option helpers.
#include "net/socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace portico::net {

void Socket::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);  // close(2) on Linux always frees the fd, even on EINTR
  fd_ = fd;
}

namespace sockets {
namespace {

bool set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace

int create_tcp(const InetAddress& addr) {
  return ::socket(addr.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
}

bool set_reuse_addr(int fd, bool on) { return set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, on); }
bool set_reuse_port(int fd, bool on) { return set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, on); }
bool set_tcp_nodelay(int fd, bool on) { return set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, on); }
bool set_keepalive(int fd, bool on) { return set_int_option(fd, SOL_SOCKET, SO_KEEPALIVE, on); }
bool set_defer_accept(int fd, int seconds) {
  return set_int_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, seconds);
}
bool set_fastopen(int fd, int queue_len) {
  return set_int_option(fd, IPPROTO_TCP, TCP_FASTOPEN, queue_len);
}

bool set_linger_zero(int fd) {
  linger lg{};
  lg.l_onoff = 1;
  lg.l_linger = 0;
  return ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0;
}

int socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
  return err;
}

std::optional<InetAddress> local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return std::nullopt;
  return InetAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

std::optional<InetAddress> peer_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return std::nullopt;
  return InetAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

bool is_self_connect(int fd) {
  auto local = local_address(fd);
  auto peer = peer_address(fd);
  return local && peer && *local == *peer;
}

}  // namespace sockets
}  // namespace portico::net
