// HttpsSetup: turns the serve command's TLS flags into listeners, HSTS and a reload watcher.
#include "server/tls_setup.h"

#include <csignal>
#include <future>

#include "portico/base/log.h"
#include "portico/http/hsts.h"
#include "portico/http/https_redirect.h"
#include "server/serve_command.h"

namespace portico::server {

std::unique_ptr<HttpsSetup> HttpsSetup::create(const ServeOptions& o) {
  bool any_tls_flag = !o.tls_listen.empty() || !o.cert_files.empty() || !o.key_files.empty() ||
                      !o.client_ca.empty() || o.hsts_seconds >= 0 || !o.redirect_http.empty();
  if (!any_tls_flag) return nullptr;
  if (o.tls_listen.empty()) {
    throw TlsUsageError("--cert, --key, --client-ca, --hsts and --redirect-http need --tls-listen");
  }
  if (o.cert_files.empty()) throw TlsUsageError("--tls-listen needs --cert FILE --key FILE");
  if (o.cert_files.size() != o.key_files.size()) {
    throw TlsUsageError("--cert and --key come in pairs (got " +
                        std::to_string(o.cert_files.size()) + " --cert and " +
                        std::to_string(o.key_files.size()) + " --key)");
  }

  tls::TlsOptions options;
  for (size_t i = 0; i < o.cert_files.size(); ++i) {
    options.certificates.push_back({o.cert_files[i], o.key_files[i]});
  }
  options.client_ca_file = o.client_ca;

  std::unique_ptr<HttpsSetup> setup(new HttpsSetup());
  setup->context_ = tls::TlsContext::create(std::move(options));  // throws TlsConfigError
  setup->tls_listen_ = o.tls_listen;
  setup->redirect_listen_ = o.redirect_http;
  setup->hsts_seconds_ = o.hsts_seconds;
  for (const auto& w : setup->context_->warnings()) LOG_WARN("TLS: %s", w.c_str());
  // Every thread started from here on inherits the blocked SIGHUP; the watcher's signalfd is
  // then its only receiver (an unblocked thread would take the default action: exit).
  net::block_signals({SIGHUP});
  return setup;
}

HttpsSetup::~HttpsSetup() { stop(); }

void HttpsSetup::add_listeners(http::ServerOptions& options) const {
  std::vector<http::Listener> tls;
  for (const auto& address : tls_listen_) {
    http::Listener l;
    l.address = address;
    l.options = options.listen_options;
    l.options.idle_timeout_ms = options.limits.header_timeout_ms;
    l.transport = context_->transport_factory();
    tls.push_back(std::move(l));
  }
  options.listeners.insert(options.listeners.begin(), tls.begin(), tls.end());
}

http::Handler HttpsSetup::wrap_handler(http::Handler inner) const {
  if (hsts_seconds_ < 0) return inner;
  http::HstsPolicy policy;
  policy.max_age_s = static_cast<uint32_t>(hsts_seconds_);
  return http::with_hsts(std::move(inner), policy);
}

void HttpsSetup::start(const http::Server& server) {
  std::vector<net::InetAddress> bound = server.listen_addresses();
  if (!redirect_listen_.empty() && !bound.empty()) {
    const net::InetAddress& tls_address = bound.front();  // TLS listeners come first
    http::HttpsRedirectOptions redirect;
    redirect.https_port = tls_address.port();
    if (!tls_address.is_any()) {
      redirect.fallback_host =
          tls_address.is_ipv6() ? "[" + tls_address.host_string() + "]" : tls_address.host_string();
    }
    http::ServerOptions options;
    options.listen = {redirect_listen_};
    options.threads = 1;
    options.handle_signals = false;  // the main server stops it
    options.limits = server.options().limits;
    options.listen_options = server.options().listen_options;
    options.server_header = server.options().server_header;
    redirect_server_ = std::make_unique<http::Server>(std::move(options));
    redirect_server_->set_handler(http::make_https_redirect(redirect));
    // A loop runs on the thread that made it: start and run both happen on the new thread.
    std::promise<std::vector<net::InetAddress>> started;
    auto ready = started.get_future();
    http::Server* s = redirect_server_.get();
    redirect_thread_ = std::thread([s, &started] {
      try {
        s->start();
      } catch (...) {
        started.set_exception(std::current_exception());
        return;
      }
      started.set_value(s->listen_addresses());
      s->run();
    });
    try {
      for (const auto& a : ready.get()) {
        LOG_INFO("listening on http://%s/ (redirects to https port %u)", a.to_string().c_str(),
                 static_cast<unsigned>(redirect.https_port));
      }
    } catch (...) {
      redirect_thread_.join();
      redirect_server_.reset();
      throw;
    }
  }

  watcher_ = std::make_unique<net::EventLoopThreadPool>(net::Backend::kEpoll, 1);
  watcher_->start();
  net::EventLoop* loop = watcher_->loops().front();
  std::shared_ptr<tls::TlsContext> ctx = context_;
  uint32_t poll_ms = reload_poll_ms_;
  loop->run_in_loop_and_wait([loop, ctx, poll_ms] {
    loop->on_signals({SIGHUP}, [ctx](int) {
      LOG_INFO("received SIGHUP, reloading certificates");
      ctx->reload();
    });
    // Polling the files' stat() every few seconds costs nothing and needs no inotify watch
    // that breaks when certbot replaces a directory by a symlink swap.
    loop->run_every(std::chrono::milliseconds(poll_ms), [ctx] { ctx->reload_if_changed(); });
  });
}

void HttpsSetup::stop() {
  if (redirect_server_) {
    redirect_server_->stop();
    if (redirect_thread_.joinable()) redirect_thread_.join();
    redirect_server_.reset();
  }
  if (watcher_) {
    watcher_->stop();
    watcher_.reset();
  }
}

}  // namespace portico::server
