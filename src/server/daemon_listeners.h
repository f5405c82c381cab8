// The daemon's listening sockets and how a reloaded config changes them: new addresses open
// before the new config is published, removed ones close after it, the rest stay open (so
// there is never a moment without a listening socket).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "portico/http/server.h"
#include "portico/net/client_connection_limit.h"
#include "portico/tls/tls_context.h"
#include "server/config.h"

namespace portico::server {

// The TLS context a listener's transport factory uses; replaced when a reload names other
// certificate files. Read once per accepted connection (never per request), where a short
// mutex hold is noise next to a TLS handshake.
class TlsSlot {
 public:
  TlsSlot(TlsSettings settings, std::shared_ptr<tls::TlsContext> context)
      : settings_(std::move(settings)), context_(std::move(context)) {}
  std::shared_ptr<tls::TlsContext> context() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return context_;
  }
  TlsSettings settings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return settings_;
  }
  void replace(TlsSettings settings, std::shared_ptr<tls::TlsContext> context) {
    std::lock_guard<std::mutex> lock(mutex_);
    settings_ = std::move(settings);
    context_ = std::move(context);
  }

 private:
  mutable std::mutex mutex_;
  TlsSettings settings_;
  std::shared_ptr<tls::TlsContext> context_;
};

// The http::Listener for a configured one (a TLS listener gets a transport factory over a
// new slot, returned in *slot). With a connection limiter, every accepted connection counts
// against its client address. Throws tls::TlsConfigError for bad certificate files.
http::Listener make_listener_spec(
    const ListenerConfig& config, const http::RequestLimits& limits, std::shared_ptr<TlsSlot>* slot,
    const std::shared_ptr<net::ClientConnectionLimiter>& connection_limiter = nullptr);

class ListenerSet {
 public:
  explicit ListenerSet(http::Server& server) : server_(server) {}
  // Listeners opened by a reload count connections here too (see make_listener_spec).
  void set_connection_limiter(std::shared_ptr<net::ClientConnectionLimiter> limiter) {
    connection_limiter_ = std::move(limiter);
  }

  // After server.start() with the specs of `configs` (in order): records what is bound and
  // logs "listening on http://ADDR/" for each.
  void adopt_started(const std::vector<ListenerConfig>& configs,
                     std::vector<std::shared_ptr<TlsSlot>> slots);

  // Reload, phase 1 (base loop thread): opens the listeners `next` adds and prepares TLS
  // changes. On failure closes what it opened, logs why and returns false.
  bool prepare(const Config& next);
  // Phase 2, after the new config is published: closes listeners `next` dropped, applies TLS
  // changes and logs the new addresses.
  void commit();
  // Undoes prepare() (when the reload is abandoned).
  void rollback();

  std::vector<std::string> urls() const;

 private:
  struct Active {
    ListenerConfig config;
    net::InetAddress bound;
    std::shared_ptr<TlsSlot> tls;
  };
  struct TlsChange {
    std::shared_ptr<TlsSlot> slot;
    TlsSettings settings;
    std::shared_ptr<tls::TlsContext> context;  // null: reload the same files
  };
  static std::string url(const Active& a);

  http::Server& server_;
  std::shared_ptr<net::ClientConnectionLimiter> connection_limiter_;  // may be null
  std::vector<Active> active_;
  // Between prepare() and commit()/rollback():
  std::vector<Active> next_;
  std::vector<net::InetAddress> opened_;
  std::vector<TlsChange> tls_changes_;
};

}  // namespace portico::server
