// HTTPS for `portico serve`: TLS listeners, HSTS, the HTTP-to-HTTPS redirect listener and
// certificate reload (SIGHUP and file changes).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "portico/http/server.h"
#include "portico/net/event_loop_thread_pool.h"
#include "portico/net/inet_address.h"
#include "portico/tls/tls_context.h"

namespace portico::server {

struct ServeOptions;

// A flag combination that makes no sense ("--cert without --key"); exit status 2.
class TlsUsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Lifecycle, from run_serve:
//   auto https = HttpsSetup::create(flags);       // before server.start(): loads certificates
//   https->add_listeners(options);                 // TLS listeners first, in --tls-listen order
//   handler = https->wrap_handler(handler);        // HSTS on secure responses
//   server.start();
//   https->start(server);                          // redirect listener, reload watcher
//   server.run(); https->stop();
class HttpsSetup {
 public:
  // Null when no TLS flag is given. Throws TlsUsageError for inconsistent flags and
  // tls::TlsConfigError for certificate problems. Blocks SIGHUP in the calling thread (which
  // must not have started other threads yet) so the reload watcher's signalfd receives it.
  static std::unique_ptr<HttpsSetup> create(const ServeOptions& flags);
  ~HttpsSetup();
  HttpsSetup(const HttpsSetup&) = delete;
  HttpsSetup& operator=(const HttpsSetup&) = delete;

  // Adds one TLS listener per --tls-listen, in order, before the plain ones. The listener's
  // idle timeout bounds the handshake (header_timeout_ms of the limits): a client that never
  // completes it is dropped then, and until then costs one idle fd, never a blocked loop.
  void add_listeners(http::ServerOptions& options) const;
  size_t tls_listener_count() const { return tls_listen_.size(); }
  http::Handler wrap_handler(http::Handler inner) const;

  // After server.start(): starts the redirect listener (if any; it needs the bound TLS port)
  // and the thread that reloads certificates on SIGHUP and when the files change.
  void start(const http::Server& server);
  // Stops the redirect listener and the reload thread (idempotent).
  void stop();

  tls::TlsContext& context() { return *context_; }

 private:
  HttpsSetup() = default;

  std::shared_ptr<tls::TlsContext> context_;
  std::vector<std::string> tls_listen_;
  std::string redirect_listen_;
  int64_t hsts_seconds_ = -1;
  uint32_t reload_poll_ms_ = 2000;

  std::unique_ptr<http::Server> redirect_server_;
  std::thread redirect_thread_;
  std::unique_ptr<net::EventLoopThreadPool> watcher_;
};

}  // namespace portico::server
