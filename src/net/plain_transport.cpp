// PlainTransport: the Transport for unencrypted TCP (readv, writev, sendfile, shutdown).
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include "portico/net/buffer.h"
#include "portico/net/transport.h"

namespace portico::net {

IoResult PlainTransport::read(Buffer& into) {
  while (true) {
    int err = 0;
    ssize_t n = into.read_fd(fd_, &err);
    if (n > 0) return IoResult::ok(static_cast<size_t>(n));
    if (n == 0) return IoResult::eof();
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return IoResult::would_block(IoWant::kRead);
    return IoResult::error(err);
  }
}

IoResult PlainTransport::writev(const iovec* iov, int iovcnt) {
  while (true) {
    // sendmsg with MSG_NOSIGNAL: a write to a reset connection must return EPIPE, not raise
    // SIGPIPE and kill the process.
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n >= 0) return IoResult::ok(static_cast<size_t>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::would_block(IoWant::kWrite);
    return IoResult::error(errno);
  }
}

IoResult PlainTransport::sendfile(int file_fd, int64_t* offset, size_t len) {
  while (true) {
    off_t off = static_cast<off_t>(*offset);
    ssize_t n = ::sendfile(fd_, file_fd, &off, len);
    if (n > 0) {
      *offset = static_cast<int64_t>(off);
      return IoResult::ok(static_cast<size_t>(n));
    }
    // 0 with len > 0: the file ended early (truncated since the region was queued).
    if (n == 0) return IoResult::error(len == 0 ? 0 : ENODATA);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::would_block(IoWant::kWrite);
    return IoResult::error(errno);
  }
}

IoResult PlainTransport::shutdown_write() {
  if (::shutdown(fd_, SHUT_WR) < 0 && errno != ENOTCONN) return IoResult::error(errno);
  return IoResult::ok(0);
}

std::unique_ptr<Transport> make_plain_transport(int fd) {
  return std::make_unique<PlainTransport>(fd);
}

}  // namespace portico::net
