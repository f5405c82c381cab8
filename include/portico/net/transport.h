// Transport: the byte-level I/O seam under TcpConnection (plain TCP now, TLS plugs in later).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

struct iovec;  // <sys/uio.h>

namespace portico::net {

class Buffer;

enum class IoStatus {
  kOk,          // progress: bytes > 0 (or the handshake/shutdown completed)
  kWouldBlock,  // no progress now; wait for the readiness named in IoResult::want
  kEof,         // orderly end of the peer's stream (read side only)
  kError,       // fatal for the connection; err holds an errno value
};

// What the transport waits for after kWouldBlock. Plain TCP always wants the natural direction
// (a read waits for readable, a write for writable). TLS may cross over: SSL_read can need the
// socket writable (WANT_WRITE) and SSL_write readable (WANT_READ), and TcpConnection then
// arms that interest and retries the operation when it arrives.
enum class IoWant { kNone, kRead, kWrite };

struct IoResult {
  IoStatus status = IoStatus::kOk;
  size_t bytes = 0;
  int err = 0;
  IoWant want = IoWant::kNone;

  static IoResult ok(size_t n) { return {IoStatus::kOk, n, 0, IoWant::kNone}; }
  static IoResult would_block(IoWant w) { return {IoStatus::kWouldBlock, 0, 0, w}; }
  static IoResult eof() { return {IoStatus::kEof, 0, 0, IoWant::kNone}; }
  static IoResult error(int e) { return {IoStatus::kError, 0, e, IoWant::kNone}; }
};

// All socket I/O of a TcpConnection goes through its Transport, so the connection code and
// everything above it (HTTP) never know whether bytes are encrypted. Contract:
// - Non-blocking: every call returns promptly; kWouldBlock says which readiness to wait for.
// - read() appends what it got to the buffer; one call may be one syscall (the connection calls
//   again until kWouldBlock, because epoll is edge-triggered).
// - writev()/sendfile() report how many bytes of the caller's data were consumed; a partial
//   write is kOk with the smaller count.
// - handshake() runs before any read/write: kOk once established (plain: immediately).
// - shutdown_write() ends our direction (TLS: close_notify, then SHUT_WR).
// The transport does not own the fd; the connection does and closes it after the transport is
// destroyed.
class Transport {
 public:
  virtual ~Transport() = default;

  virtual IoResult handshake() = 0;
  virtual IoResult read(Buffer& into) = 0;
  virtual IoResult writev(const iovec* iov, int iovcnt) = 0;
  // Sends up to len bytes of file_fd starting at *offset, advancing *offset. A transport that
  // cannot use sendfile(2) (TLS without kTLS) reads the file and writes it instead.
  virtual IoResult sendfile(int file_fd, int64_t* offset, size_t len) = 0;
  virtual IoResult shutdown_write() = 0;

  // True when the transport holds input it has already taken from the socket but not yet
  // returned from read() (TLS records decrypted ahead). Such bytes produce no readiness event,
  // so the connection keeps reading while this is true.
  virtual bool has_buffered_input() const { return false; }
  virtual bool is_secure() const { return false; }
  // Negotiated application protocol (ALPN), empty for plain TCP.
  virtual std::string_view alpn() const { return {}; }
  virtual const char* name() const = 0;
};

// Plain TCP: read via Buffer::read_fd (readv), writev(2), sendfile(2), shutdown(SHUT_WR).
class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}

  IoResult handshake() override { return IoResult::ok(0); }
  IoResult read(Buffer& into) override;
  IoResult writev(const iovec* iov, int iovcnt) override;
  IoResult sendfile(int file_fd, int64_t* offset, size_t len) override;
  IoResult shutdown_write() override;
  const char* name() const override { return "tcp"; }

 private:
  int fd_;
};

std::unique_ptr<Transport> make_plain_transport(int fd);

}  // namespace portico::net
