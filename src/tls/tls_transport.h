// TlsTransport: one TLS connection (server or client side) over a non-blocking socket (OpenSSL).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "portico/net/transport.h"
#include "tls/context_snapshot.h"
#include "tls/openssl_util.h"

namespace portico::tls {

// Drives OpenSSL over the connection's fd (a socket BIO, so kernel TLS can take over the
// record layer when the kernel supports it). Every call is non-blocking: OpenSSL's
// WANT_READ/WANT_WRITE become IoResult::would_block with the readiness to wait for, in either
// direction (a read may need the socket writable and a write may need it readable).
//
// Writes: SSL_write makes one record per call (partial-write mode); after a WANT_WRITE the
// connection retries with the same bytes at the head of its output queue, as OpenSSL requires.
// (OpenSSL may have sent whole records before the WANT_WRITE; the retry reports them, so one
// call can report more than a record.)
// Small iovecs are coalesced into one record through a per-thread buffer. Files go out with
// SSL_sendfile under kernel TLS, otherwise through a per-thread buffer (pread + SSL_write).
// Neither buffer belongs to a connection: per-connection memory is OpenSSL's state plus record
// buffers that SSL_MODE_RELEASE_BUFFERS frees whenever they are empty.
//
// Server side: plain HTTP sent to the TLS port gets "HTTP/1.1 400" in plain text and the
// connection ends. Client side (TlsClientContext): the handshake sends the ClientHello on the
// first handshake() call; a failed handshake keeps a reason for the proxy
// (failure_reason()).
class TlsTransport final : public net::Transport {
 public:
  // Server side. Null if OpenSSL cannot allocate the connection.
  static std::unique_ptr<TlsTransport> create(int fd,
                                              std::shared_ptr<const ContextSnapshot> snapshot);
  // Client side: ssl is attached to fd, in connect state, with its verification parameters,
  // SNI and session already set; owner keeps the SSL_CTX (and what its callbacks use) alive.
  static std::unique_ptr<TlsTransport> create_client(int fd, std::shared_ptr<const void> owner,
                                                     UniqueSsl ssl);
  ~TlsTransport() override;

  net::IoResult handshake() override;
  net::IoResult read(net::Buffer& into) override;
  net::IoResult writev(const iovec* iov, int iovcnt) override;
  net::IoResult sendfile(int file_fd, int64_t* offset, size_t len) override;
  net::IoResult shutdown_write() override;
  bool has_buffered_input() const override;
  bool is_secure() const override { return true; }
  std::string_view alpn() const override;
  const char* name() const override { return "tls"; }

  // Facts for tests and logs.
  SSL* ssl() const { return ssl_.get(); }
  bool established() const { return established_; }
  bool kernel_tls_send() const { return ktls_send_; }
  bool client() const { return client_; }
  // Why the connection failed: its handshake ("certificate verify failed: hostname mismatch
  // ...") or, on the client side, a later protocol error (a TLS 1.3 server rejects a client
  // certificate after the client's handshake has completed). Empty if it did not fail.
  const std::string& failure_reason() const { return failure_reason_; }

 private:
  TlsTransport(int fd, std::shared_ptr<const void> owner, bool enable_ktls, bool client,
               UniqueSsl ssl);

  // Maps a failed SSL_* call (ret <= 0) to an IoResult.
  net::IoResult failure(int ret, const char* op);
  // Before the first handshake step: plain HTTP instead of a ClientHello is answered 400.
  bool looks_like_plain_http(net::IoResult* result);
  void answer_plain_http();
  net::IoResult write_record(const char* data, size_t len);
  net::IoResult sendfile_copy(int file_fd, int64_t* offset, size_t len);
  void on_established();
  void record_handshake_failure(const net::IoResult& r);

  const int fd_;
  // Declared before ssl_ so it is destroyed after it: the SSL refers to the owner's contexts
  // (the server's ContextSnapshot, or the client context).
  std::shared_ptr<const void> owner_;
  UniqueSsl ssl_;
  const bool enable_ktls_;
  const bool client_;
  std::string last_error_;      // OpenSSL's reason for the last SSL_ERROR_SSL
  std::string failure_reason_;  // set once, at the first failure
  bool established_ = false;
  bool fatal_ = false;          // after a fatal error OpenSSL must not be called to shut down
  bool checked_first_ = false;  // the first bytes were inspected for plain HTTP
  bool socket_may_hold_input_ = false;  // after the handshake: unread bytes, no new edge
  bool ktls_send_ = false;
  bool close_notify_sent_ = false;
};

}  // namespace portico::tls
