// TlsTransport: non-blocking OpenSSL handshake (server or client), record I/O, sendfile (kTLS or
// copy), close_notify, handshake failure reasons.
#include "tls/tls_transport.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "portico/base/log.h"
#include "portico/net/buffer.h"
#include "tls/ktls_probe.h"
#include "tls/verify_failure.h"

namespace portico::tls {

using net::IoResult;
using net::IoWant;

namespace {

// The largest TLS plaintext record (RFC 8446 5.1): one SSL_write makes at most one record.
constexpr size_t kRecordBytes = 16 * 1024;
// File bytes read per sendfile() call without kernel TLS: four records per pread.
constexpr size_t kFileChunkBytes = 4 * kRecordBytes;

// Per-thread buffers, shared by every connection of a worker loop (a loop runs one connection
// at a time), so a connection costs no buffer memory of its own. Their contents need not
// survive between calls: after a WANT_WRITE the caller offers the same bytes again.
char* coalesce_buffer() {
  thread_local std::unique_ptr<char[]> buf(new char[kRecordBytes]);
  return buf.get();
}

char* file_buffer() {
  thread_local std::unique_ptr<char[]> buf(new char[kFileChunkBytes]);
  return buf.get();
}

// What nginx does too: a client that speaks plain HTTP to the TLS port learns why it failed.
const std::string& plain_http_answer() {
  static const std::string answer = [] {
    std::string body = "This port speaks HTTPS: the request was sent as plain HTTP.\n";
    return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }();
  return answer;
}

// "Log once which is in use": the first connection of each kind says so.
void log_sendfile_path(bool ktls, bool enabled) {
  static std::atomic<bool> logged_ktls{false};
  static std::atomic<bool> logged_copy{false};
  if (ktls) {
    if (!logged_ktls.exchange(true)) {
      LOG_INFO("TLS: kernel TLS in use; files are sent with SSL_sendfile (zero copy)");
    }
    return;
  }
  if (logged_copy.exchange(true)) return;
  const KtlsSupport& support = kernel_tls_support();
  std::string why = !enabled ? std::string("disabled by option")
                    : !support.available
                        ? support.reason
                        : std::string("not offloaded for this protocol version or cipher");
  LOG_INFO("TLS: kernel TLS not in use (%s); files are sent with pread + SSL_write", why.c_str());
}

}  // namespace

std::unique_ptr<TlsTransport> TlsTransport::create(
    int fd, std::shared_ptr<const ContextSnapshot> snapshot) {
  if (!snapshot || snapshot->contexts.empty()) return nullptr;
  UniqueSsl ssl(SSL_new(snapshot->contexts.front().get()));
  if (!ssl) {
    LOG_ERROR("TLS: cannot create a connection: %s", last_ssl_error().c_str());
    return nullptr;
  }
  // A socket BIO (not a custom one): kernel TLS needs OpenSSL to own the socket calls.
  if (SSL_set_fd(ssl.get(), fd) != 1) {
    LOG_ERROR("TLS: cannot attach the socket: %s", last_ssl_error().c_str());
    return nullptr;
  }
  SSL_set_accept_state(ssl.get());
  bool ktls = snapshot->enable_ktls;
  return std::unique_ptr<TlsTransport>(
      new TlsTransport(fd, std::move(snapshot), ktls, /*client=*/false, std::move(ssl)));
}

std::unique_ptr<TlsTransport> TlsTransport::create_client(int fd, std::shared_ptr<const void> owner,
                                                          UniqueSsl ssl) {
  if (!ssl) return nullptr;
  // Client connections send little file data (request bodies from disk are rare): no kTLS.
  return std::unique_ptr<TlsTransport>(new TlsTransport(fd, std::move(owner), /*enable_ktls=*/false,
                                                        /*client=*/true, std::move(ssl)));
}

TlsTransport::TlsTransport(int fd, std::shared_ptr<const void> owner, bool enable_ktls, bool client,
                           UniqueSsl ssl)
    : fd_(fd),
      owner_(std::move(owner)),
      ssl_(std::move(ssl)),
      enable_ktls_(enable_ktls),
      client_(client),
      // A client speaks first: there is no plain-HTTP request to look for.
      checked_first_(client) {}

TlsTransport::~TlsTransport() = default;

IoResult TlsTransport::failure(int ret, const char* op) {
  int saved_errno = errno;  // before anything else can change it
  int code = SSL_get_error(ssl_.get(), ret);
  switch (code) {
    case SSL_ERROR_WANT_READ: return IoResult::would_block(IoWant::kRead);
    case SSL_ERROR_WANT_WRITE: return IoResult::would_block(IoWant::kWrite);
    case SSL_ERROR_ZERO_RETURN: return IoResult::eof();  // the peer's close_notify
    case SSL_ERROR_SYSCALL:
      fatal_ = true;
      ERR_clear_error();
      // 0: the peer closed the TCP connection (without close_notify during a handshake).
      if (saved_errno == 0) return IoResult::eof();
      return IoResult::error(saved_errno);
    case SSL_ERROR_SSL:
    default: {
      fatal_ = true;
      last_error_ = last_ssl_error();
      LOG_DEBUG("TLS %s on fd %d: %s", op, fd_, last_error_.c_str());
      if (client_ && established_ && failure_reason_.empty()) {
        failure_reason_ = "TLS connection failed: " + last_error_;
      }
      // A protocol failure is the peer's doing (scanner, old client, bad certificate): routine
      // for a server, so the connection logs it at debug level like a reset.
      return IoResult::error(ECONNABORTED);
    }
  }
}

bool TlsTransport::looks_like_plain_http(IoResult* result) {
  unsigned char first = 0;
  ssize_t n;
  do {
    n = ::recv(fd_, &first, 1, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *result = IoResult::would_block(IoWant::kRead);
    } else {
      *result = IoResult::error(errno);
    }
    return true;
  }
  if (n == 0) {
    *result = IoResult::eof();
    return true;
  }
  checked_first_ = true;
  // A TLS record starts with its content type (22 = handshake, RFC 8446 5.1); an HTTP request
  // starts with an upper-case method token.
  if (first >= 'A' && first <= 'Z') {
    answer_plain_http();
    *result = IoResult::error(ECONNABORTED);
    return true;
  }
  return false;
}

void TlsTransport::answer_plain_http() {
  fatal_ = true;
  // Consume what the client sent first: closing a socket with unread input sends an RST, which
  // could destroy the answer before the client reads it.
  char sink[4096];
  for (int i = 0; i < 16; ++i) {
    ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
    if (n <= 0) break;
  }
  const std::string& answer = plain_http_answer();
  ssize_t sent = ::send(fd_, answer.data(), answer.size(), MSG_NOSIGNAL);
  (void)sent;  // best effort: a client speaking HTTP to a TLS port gets one chance
  ::shutdown(fd_, SHUT_WR);
  LOG_DEBUG("TLS: plain HTTP on fd %d answered 400", fd_);
}

IoResult TlsTransport::handshake() {
  if (established_) return IoResult::ok(0);
  if (fatal_) return IoResult::error(ECONNABORTED);
  if (!checked_first_) {
    IoResult r;
    if (looks_like_plain_http(&r)) return r;
  }
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_.get());
  if (ret == 1) {
    on_established();
    return IoResult::ok(0);
  }
  IoResult r = failure(ret, "handshake");
  if (r.status == net::IoStatus::kError || r.status == net::IoStatus::kEof) {
    record_handshake_failure(r);
  }
  return r;
}

void TlsTransport::record_handshake_failure(const IoResult& r) {
  if (!failure_reason_.empty()) return;
  long verify = SSL_get_verify_result(ssl_.get());
  bool verifying = (SSL_get_verify_mode(ssl_.get()) & SSL_VERIFY_PEER) != 0;
  if (client_ && verifying && verify != X509_V_OK) {
    failure_reason_ = describe_verify_failure(ssl_.get(), verify);
  } else if (r.status == net::IoStatus::kEof) {
    failure_reason_ = "connection closed during the TLS handshake";
  } else if (!last_error_.empty()) {
    failure_reason_ = "TLS handshake failed: " + last_error_;
    // A plain HTTP server's "HTTP/1.1 400" read as a TLS record header.
    if (client_ &&
        (last_error_ == "wrong version number" || last_error_ == "packet length too long")) {
      failure_reason_ += " (does the upstream speak TLS on this port?)";
    }
  } else {
    failure_reason_ = std::string("TLS handshake failed: ") + std::strerror(r.err);
  }
}

void TlsTransport::on_established() {
  established_ = true;
  // The readiness edge that carried the client's Finished may also have carried its first
  // request, still unread in the socket: no new edge will announce it.
  socket_may_hold_input_ = true;
  if (client_) return;  // the log line below is about serving files
  if (enable_ktls_) ktls_send_ = BIO_get_ktls_send(SSL_get_wbio(ssl_.get()));
  log_sendfile_path(ktls_send_, enable_ktls_);
}

IoResult TlsTransport::read(net::Buffer& into) {
  if (fatal_) return IoResult::error(ECONNABORTED);
  // Decrypt straight into the buffer when it has room for a record, else through the
  // per-thread buffer (an idle connection's input buffer stays small).
  bool direct = into.writable_bytes() >= kRecordBytes;
  char* dst = direct ? into.begin_write() : coalesce_buffer();
  size_t cap = direct ? into.writable_bytes() : kRecordBytes;
  size_t n = 0;
  ERR_clear_error();
  int ret = SSL_read_ex(ssl_.get(), dst, cap, &n);
  if (ret == 1) {
    if (direct) {
      into.has_written(n);
    } else {
      into.append(dst, n);
    }
    return IoResult::ok(n);
  }
  IoResult r = failure(ret, "read");
  if (r.status == net::IoStatus::kWouldBlock && r.want == IoWant::kRead) {
    socket_may_hold_input_ = false;  // the socket said EAGAIN
  }
  return r;
}

IoResult TlsTransport::write_record(const char* data, size_t len) {
  if (len == 0) return IoResult::ok(0);
  size_t written = 0;
  ERR_clear_error();
  int ret = SSL_write_ex(ssl_.get(), data, len, &written);
  if (ret == 1) return IoResult::ok(written);
  IoResult r = failure(ret, "write");
  if (r.status == net::IoStatus::kEof) return IoResult::error(EPIPE);
  return r;
}

IoResult TlsTransport::writev(const iovec* iov, int iovcnt) {
  if (fatal_) return IoResult::error(EPIPE);
  if (iovcnt <= 0) return IoResult::ok(0);
  if (iovcnt == 1 || iov[0].iov_len >= kRecordBytes) {
    return write_record(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len);
  }
  // Several small pieces (a response head and a body, pipelined responses): one record, not a
  // record (and a syscall) each.
  char* buf = coalesce_buffer();
  size_t n = 0;
  for (int i = 0; i < iovcnt && n < kRecordBytes; ++i) {
    size_t take = std::min(iov[i].iov_len, kRecordBytes - n);
    std::memcpy(buf + n, iov[i].iov_base, take);
    n += take;
  }
  return write_record(buf, n);
}

IoResult TlsTransport::sendfile(int file_fd, int64_t* offset, size_t len) {
  if (fatal_) return IoResult::error(EPIPE);
  if (len == 0) return IoResult::ok(0);
  if (!ktls_send_) return sendfile_copy(file_fd, offset, len);
  ERR_clear_error();
  ossl_ssize_t n = SSL_sendfile(ssl_.get(), file_fd, static_cast<off_t>(*offset), len, 0);
  if (n > 0) {
    *offset += n;
    return IoResult::ok(static_cast<size_t>(n));
  }
  if (n == 0) return IoResult::error(ENODATA);  // the file ended before the region did
  return failure(static_cast<int>(n), "sendfile");
}

IoResult TlsTransport::sendfile_copy(int file_fd, int64_t* offset, size_t len) {
  char* buf = file_buffer();
  size_t want = std::min(len, kFileChunkBytes);
  ssize_t got;
  do {
    got = ::pread(file_fd, buf, want, static_cast<off_t>(*offset));
  } while (got < 0 && errno == EINTR);
  if (got < 0) return IoResult::error(errno);
  if (got == 0) return IoResult::error(ENODATA);
  size_t done = 0;
  while (done < static_cast<size_t>(got)) {
    IoResult r = write_record(buf + done, static_cast<size_t>(got) - done);
    if (r.status != net::IoStatus::kOk) {
      if (done > 0) break;  // report progress; the next call meets the condition again
      return r;
    }
    done += r.bytes;
  }
  *offset += static_cast<int64_t>(done);
  return IoResult::ok(done);
}

IoResult TlsTransport::shutdown_write() {
  if (established_ && !fatal_ && !close_notify_sent_) {
    // RFC 8446 6.1: close_notify ends our direction; the peer may keep sending (we keep
    // reading while lingering). If the socket is full the alert may stay unsent: the FIN
    // below still ends the stream, and the response before it was complete.
    ERR_clear_error();
    int ret = SSL_shutdown(ssl_.get());
    if (ret < 0) {
      int code = SSL_get_error(ssl_.get(), ret);
      if (code != SSL_ERROR_WANT_WRITE && code != SSL_ERROR_WANT_READ) fatal_ = true;
      ERR_clear_error();
    }
    close_notify_sent_ = true;
  }
  if (::shutdown(fd_, SHUT_WR) < 0 && errno != ENOTCONN) return IoResult::error(errno);
  return IoResult::ok(0);
}

bool TlsTransport::has_buffered_input() const {
  return socket_may_hold_input_ || SSL_has_pending(ssl_.get()) == 1;
}

std::string_view TlsTransport::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_.get(), &data, &len);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), len};
}

}  // namespace portico::tls
