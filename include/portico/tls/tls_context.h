// TlsContext: a server's certificates and TLS settings, hot-reloadable, making TLS transports.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "portico/net/tcp_server.h"
#include "portico/net/transport.h"
#include "portico/tls/tls_options.h"

namespace portico::tls {

// A configuration that cannot be loaded, with one line saying what and where, e.g.
// "key file 'site.key' does not match certificate 'site.pem'".
class TlsConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReloadResult {
  bool reloaded = false;  // a new set of certificates is in use
  std::string error;      // why the files were rejected (the old set stays in use)
  std::vector<std::string> warnings;
};

// Holds an immutable snapshot of OpenSSL contexts (one per certificate name set) built from the
// options' files. Transports take the current snapshot when they are created, so a reload
// affects new handshakes only; connections keep the snapshot they started with.
//
// Session ticket keys belong to the TlsContext, not to a snapshot: every worker thread encrypts
// with the same key (a ticket issued on one thread resumes on another), and tickets survive a
// certificate reload.
//
// Threading: make_transport() and the factory run on any thread without locks (an atomic
// snapshot load); reload() may run on any thread (reloads are serialized).
class TlsContext {
 public:
  // Loads and checks every file. Throws TlsConfigError for an unreadable file, a file without
  // a PEM certificate or key, a key that does not match its certificate, or a bad CA file.
  // An expired or not yet valid certificate is a warning (see warnings()), not an error.
  static std::shared_ptr<TlsContext> create(TlsOptions options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Warnings from the initial load, e.g. "certificate 'a.pem' (localhost) expired on
  // 2024-01-02 03:04:05 UTC".
  const std::vector<std::string>& warnings() const;
  // Names served, in certificate order ("localhost", "*.example.com", ...).
  std::vector<std::string> names() const;
  const TlsOptions& options() const;

  // A server-side TLS transport over fd; null only if OpenSSL cannot allocate.
  std::unique_ptr<net::Transport> make_transport(int fd) const;
  // For TcpServer::set_transport_factory / http::Listener (keeps this context alive).
  net::TcpServer::TransportFactory transport_factory();

  // Re-reads every file and, if all load and check, switches new handshakes to them. On any
  // error the current certificates stay in use and ReloadResult::error says why.
  ReloadResult reload();
  // reload() if a certificate, key or CA file changed (mtime, size or inode) since the last
  // load attempt; a broken file is retried only once it changes again.
  ReloadResult reload_if_changed();
  // Incremented by each successful reload (starts at 1).
  uint64_t generation() const;

 private:
  struct Impl;
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::weak_ptr<TlsContext> self_;
};

}  // namespace portico::tls
