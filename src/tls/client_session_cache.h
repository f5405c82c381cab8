// ClientSessionCache: TLS sessions from upstream servers, by server name, for resumption.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tls/openssl_util.h"

namespace portico::tls {

struct SslSessionFree {
  void operator()(SSL_SESSION* p) const { SSL_SESSION_free(p); }
};
using UniqueSslSession = std::unique_ptr<SSL_SESSION, SslSessionFree>;

// A client offers a cached session in its ClientHello; a server that still knows it (ticket
// key or session id) answers with an abbreviated handshake: no certificate chain, no
// signature, one round trip less for TLS 1.2. For a pool of upstream connections that come and
// go, most reconnects then cost little.
//
// Sessions are kept by the name the client asked for (its SNI / verified name): a session
// verified for one name is never offered to another. TLS 1.3 tickets are used once (RFC 8446
// C.4: reuse lets an observer link connections; OpenSSL enforces it by marking a used session
// not resumable); TLS 1.2 sessions are offered repeatedly. Each name keeps its newest
// kSessionsPerName sessions; the least recently stored names are dropped beyond max_names.
//
// Thread-safe (a mutex, taken when a handshake starts and when a session arrives).
class ClientSessionCache {
 public:
  static constexpr size_t kSessionsPerName = 4;

  explicit ClientSessionCache(size_t max_names) : max_names_(max_names == 0 ? 1 : max_names) {}

  // Stores session for name (ignored if it cannot be resumed).
  void put(const std::string& name, UniqueSslSession session);
  // A session to offer for name, or null. Expired sessions (by now_unix) are dropped.
  UniqueSslSession take(const std::string& name, int64_t now_unix);

  size_t sessions() const;
  size_t names() const;

 private:
  struct Entry {
    std::deque<UniqueSslSession> sessions;  // oldest first
    std::list<std::string>::iterator order;
  };

  const size_t max_names_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> by_name_;
  std::list<std::string> order_;  // least recently stored first
  size_t count_ = 0;
};

}  // namespace portico::tls
