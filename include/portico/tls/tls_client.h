// TlsClientContext: TLS to upstream servers (verification, SNI, mTLS, session reuse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/tcp_client.h"
#include "portico/net/transport.h"

namespace portico::tls {

// Settings of a client context: whom to trust, which name to expect, what to present.
// Protocol versions are TLS 1.2 and 1.3 only (RFC 8996); compression and renegotiation are off.
struct TlsClientOptions {
  // Verify the server's certificate chain and name. Off only for tests and upstreams on a
  // trusted network: anyone on the path can then impersonate the upstream.
  bool verify_peer = true;
  // Trust anchors (PEM). Both empty: the system trust store (OpenSSL's default paths, on Debian
  // /etc/ssl/certs). ca_dir is a directory of hashed names (c_rehash / openssl rehash).
  std::string ca_file;
  std::string ca_dir;

  // The upstream's name: sent as SNI and checked against the certificate (RFC 6125). An IP
  // literal ("10.0.0.7", "::1", "[::1]") is checked against the certificate's IP addresses and
  // sends no SNI (RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted"). Required
  // when verify_peer is on.
  std::string server_name;

  // mTLS to the upstream: a certificate chain (PEM, leaf first) and its key. Both or neither.
  std::string client_cert_file;
  std::string client_key_file;

  // ALPN protocols offered (RFC 7301). Empty: no ALPN extension.
  std::vector<std::string> alpn = {"http/1.1"};

  // Session resumption: sessions kept per server name, so a pooled reconnect resumes (an
  // abbreviated handshake, no certificate chain) instead of a full handshake.
  bool session_reuse = true;
  size_t session_cache_names = 64;  // distinct server names remembered (oldest dropped)
};

// One upstream's TLS client settings, built once (at config load) and shared by every loop.
// It makes client transports for connected sockets; the handshake then runs inside
// TcpConnection like a server's (TcpClient::set_transport_factory).
//
// Threading: make_transport() and the factory may run on any thread. The session cache is
// guarded by a mutex taken once when a handshake starts and once when a session arrives,
// never per read or write.
class TlsClientContext {
 public:
  // Loads and checks every file. Throws TlsConfigError (portico/tls/tls_context.h) with one
  // line saying what and where, e.g. "TLS upstream: CA file 'ca.pem': cannot read: No such
  // file or directory" or "TLS upstream: verify_peer needs a server name".
  static std::shared_ptr<TlsClientContext> create(TlsClientOptions options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  const TlsClientOptions& options() const;

  // A client transport over the connected socket fd for options().server_name, or for
  // server_name when given (e.g. a per-request name; sessions are cached per name). Null if
  // OpenSSL cannot allocate or server_name is not a valid host name or IP literal (TcpClient
  // then closes the socket and counts the attempt as failed with EPROTO).
  std::unique_ptr<net::Transport> make_transport(int fd) const;
  std::unique_ptr<net::Transport> make_transport(int fd, std::string_view server_name) const;
  // For TcpClient::set_transport_factory (keeps this context alive).
  net::TcpClient::TransportFactory transport_factory();

  // Cached sessions (for tests and status pages).
  size_t cached_sessions() const;

 private:
  struct Impl;
  explicit TlsClientContext(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
  std::weak_ptr<TlsClientContext> self_;
};

// Why a TLS client transport failed, for the proxy's 502 and its log, e.g.
//   "certificate verify failed: hostname mismatch (expected 'b.example', certificate names:
//    a.example)"
//   "certificate verify failed: unable to get local issuer certificate (certificate CN=...,
//    issued by CN=...)"
//   "TLS handshake failed: wrong version number (does the upstream speak TLS on this port?)"
//   "connection closed during the TLS handshake"
//   "TLS connection failed: tlsv13 alert certificate required" (TLS 1.3 rejects a client
//    certificate after the client's handshake completed: the first read fails)
// Empty when the transport is not TLS or TLS did not fail: a timeout (the idle timeout aborts
// a stalled handshake) or a reset (the connection sees the socket error before TLS does) is
// not a TLS reason. Call it from the handler's on_closed: conn.transport() is still valid
// there.
std::string tls_failure_reason(const net::Transport& transport);

// True when the transport's handshake resumed a cached session (abbreviated handshake).
bool tls_session_reused(const net::Transport& transport);

// The TLS version in use ("TLSv1.3"), empty for a non-TLS transport.
std::string_view tls_version(const net::Transport& transport);

}  // namespace portico::tls
