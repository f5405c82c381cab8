// The daemon: start from a config, then signals -- reload, graceful and fast stop, log reopen.
#include "server/daemon.h"

#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "base/build_info.h"
#include "portico/base/log.h"
#include "portico/http/server.h"
#include "portico/proxy/forward_proxy.h"
#include "portico/proxy/proxy_handler.h"
#include "server/access_setup.h"
#include "server/cli.h"
#include "server/config_loader.h"
#include "server/daemon_error_log.h"
#include "server/daemon_listeners.h"
#include "server/daemon_process.h"
#include "server/daemon_runtime.h"
#include "server/daemon_snapshot.h"
#include "server/status_service.h"

namespace portico::server {
namespace {

const std::vector<int> kHandledSignals = {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1};

bool same_limits(const http::RequestLimits& a, const http::RequestLimits& b) {
  return a.max_request_line_bytes == b.max_request_line_bytes &&
         a.max_header_bytes == b.max_header_bytes && a.max_header_count == b.max_header_count &&
         a.max_body_bytes == b.max_body_bytes && a.header_timeout_ms == b.header_timeout_ms &&
         a.body_idle_timeout_ms == b.body_idle_timeout_ms &&
         a.keepalive_timeout_ms == b.keepalive_timeout_ms &&
         a.max_requests_per_connection == b.max_requests_per_connection;
}

class Daemon {
 public:
  explicit Daemon(std::string path) : path_(std::move(path)) {}
  int run();

 private:
  http::ServerOptions server_options(const Config& c, std::vector<std::shared_ptr<TlsSlot>>* slots);
  void on_signal(int sig);
  void begin_stop(bool graceful);
  void reload_main();
  std::shared_ptr<const Runtime> prepare_reload();
  // On the base loop: switches to `next`. Returns the runtime it replaced, null on failure.
  std::shared_ptr<const Runtime> apply(const std::shared_ptr<const Runtime>& next);
  void release_on_every_loop(std::shared_ptr<const Runtime> old);
  bool reload_quitting();

  const std::string path_;
  // Declared before server_ so that it outlives the loops that read it.
  SnapshotCell<Runtime> cell_;
  // Connections per client address (max_connections_per_client; changed on reload). Before
  // server_: its listeners' transports hold it.
  std::shared_ptr<net::ClientConnectionLimiter> connection_limiter_ =
      std::make_shared<net::ClientConnectionLimiter>(0);
  // The status page ([status]); null when off. Before server_: its loops run its handler.
  std::unique_ptr<StatusService> status_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<ListenerSet> listeners_;  // base loop thread only
  std::unique_ptr<Pidfile> pidfile_;
  std::atomic<bool> stopping_{false};
  uint64_t generation_ = 1;  // of the running config; reload thread only (after start)

  std::thread reloader_;
  std::mutex reload_mutex_;
  std::condition_variable reload_cv_;
  bool reload_pending_ = false;  // guarded by reload_mutex_
  bool reload_quit_ = false;     // guarded by reload_mutex_
};

http::ServerOptions Daemon::server_options(const Config& c,
                                           std::vector<std::shared_ptr<TlsSlot>>* slots) {
  http::ServerOptions o;
  o.listen.clear();
  for (const ListenerConfig& lc : c.listeners) {
    std::shared_ptr<TlsSlot> slot;
    o.listeners.push_back(make_listener_spec(lc, c.limits, &slot, connection_limiter_));
    slots->push_back(std::move(slot));
  }
  o.threads = c.server.threads;
  o.backend = c.server.backend;
  o.limits = c.limits;
  o.server_header = c.server.server_header;
  if (o.server_header == "portico" && !c.server.hide_version) {
    o.server_header = std::string("portico/") + build::kVersion;
  }
  o.allow_trace = c.server.allow_trace;
  o.handle_signals = false;  // the daemon handles them (more than INT and TERM)
  o.shutdown_grace_ms = c.server.shutdown_timeout_ms;
  o.send_timeout_ms = c.send_timeout_ms;
  o.slow_request_ms = c.log.slow_request_ms;
  o.request_id_header = c.log.request_id_header;
  o.access_log = [this](const http::AccessLogEntry& e) {
    const std::shared_ptr<const Runtime>& rt = cell_.current();
    if (status_ && rt) status_->record(e, StatusService::site_label(rt->router, e.request));
    if (rt && rt->access_log) {
      write_access_log(*rt->access_log, e, rt->router.options().trusted_proxies);
    }
  };
  return o;
}

int Daemon::run() {
  // Before any thread exists (the access log writer, the workers): every thread inherits the
  // mask, so these signals reach only the base loop's signalfd.
  net::block_signals(kHandledSignals);

  LoadResult loaded = load_config(path_);
  if (!loaded.ok()) {
    for (const ConfigError& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return kExitUsage;
  }
  const Config& config = *loaded.config;
  try {
    install_error_log(config.log.error_log, config.log.level);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico: %s\n", e.what());
    return kExitFailure;
  }

  try {
    if (!config.status.path.empty()) {
      StatusOptions so;
      so.path = config.status.path;
      so.allow = *net::NetworkSet::parse(config.status.allow);  // checked by the loader
      status_ = std::make_unique<StatusService>(std::move(so));
      status_->set_upstream_probe(proxy::append_upstream_status);  // the proxy routes' servers
    }
    cell_.publish(build_runtime(loaded.config, nullptr, generation_));
    std::vector<std::shared_ptr<TlsSlot>> slots;
    connection_limiter_->set_max_per_client(config.server.max_connections_per_client);
    server_ = std::make_unique<http::Server>(server_options(config, &slots));
    server_->set_handler([this](const http::Request& req, http::Response& res) {
      cell_.current()->router.dispatch(req, res);
    });
    // Routes with an asynchronous action (proxy) take the request at the end of its head.
    // The status page ([status]) before the sites: its path is reserved.
    server_->set_async_lookup([this](const http::Request& req) -> const http::AsyncHandler* {
      if (status_) {
        if (const http::AsyncHandler* h = status_->find(req)) return h;
      }
      const auto& runtime = cell_.current();
      if (runtime->forward_proxy && proxy::is_forward_proxy_request(req)) {
        return &runtime->forward_proxy;
      }
      return runtime->router.find_async(req);
    });
    server_->start();
    if (status_) status_->attach(*server_);
    listeners_ = std::make_unique<ListenerSet>(*server_);
    listeners_->set_connection_limiter(connection_limiter_);
    listeners_->adopt_started(config.listeners, std::move(slots));
    if (!config.server.pidfile.empty()) {
      pidfile_ = std::make_unique<Pidfile>(config.server.pidfile);
    }
    drop_privileges(config.server.user, config.server.group);
  } catch (const std::exception& e) {
    LOG_ERROR("%s", e.what());
    server_.reset();
    SnapshotCell<Runtime>::forget_this_thread();
    cell_.publish(nullptr);
    return kExitFailure;
  }

  server_->base_loop()->on_signals(kHandledSignals, [this](int sig) { on_signal(sig); });
  reloader_ = std::thread([this] { reload_main(); });
  LOG_INFO("portico %s running %s (pid %d)", build::kVersion, path_.c_str(),
           static_cast<int>(::getpid()));
  notify_systemd("READY=1\nSTATUS=serving");

  server_->run();

  {
    std::lock_guard<std::mutex> lock(reload_mutex_);
    reload_quit_ = true;
  }
  reload_cv_.notify_one();
  reloader_.join();
  listeners_.reset();
  server_.reset();  // the loops are gone: nothing reads the snapshot any more
  SnapshotCell<Runtime>::forget_this_thread();
  cell_.publish(nullptr);  // the last runtime: its access log flushes and closes here
  pidfile_.reset();
  LOG_INFO("stopped");
  return kExitOk;
}

void Daemon::on_signal(int sig) {
  switch (sig) {
    case SIGHUP:
      if (stopping_) return;
      {
        std::lock_guard<std::mutex> lock(reload_mutex_);
        reload_pending_ = true;  // many SIGHUPs while a reload runs make one more reload
      }
      reload_cv_.notify_one();
      return;
    case SIGUSR1: {
      reopen_error_log();
      std::shared_ptr<const Runtime> rt = cell_.get();
      if (rt && rt->access_log) rt->access_log->reopen();
      return;
    }
    case SIGQUIT:
      LOG_INFO("received SIGQUIT, exiting now");
      begin_stop(false);
      return;
    default:
      LOG_INFO("received %s, stopping gracefully (at most %u ms)",
               sig == SIGINT ? "SIGINT" : "SIGTERM", server_->options().shutdown_grace_ms);
      begin_stop(true);
      return;
  }
}

void Daemon::begin_stop(bool graceful) {
  if (!stopping_.exchange(true)) notify_systemd("STOPPING=1");
  {
    std::lock_guard<std::mutex> lock(reload_mutex_);
    reload_quit_ = true;
  }
  reload_cv_.notify_one();
  if (graceful) {
    server_->stop();
  } else {
    // run() returns and tears down at once: connections are closed without waiting.
    server_->base_loop()->quit();
  }
}

bool Daemon::reload_quitting() {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  return reload_quit_;
}

void Daemon::reload_main() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(reload_mutex_);
      reload_cv_.wait(lock, [this] { return reload_pending_ || reload_quit_; });
      if (reload_quit_) return;
      reload_pending_ = false;
    }
    notify_systemd("RELOADING=1");
    LOG_INFO("reloading %s", path_.c_str());
    std::shared_ptr<const Runtime> next = prepare_reload();
    if (next) {
      // The switch happens on the base loop (listeners belong to it); wait for it, but not
      // past a stop (a task the stopped loop never runs is dropped, breaking the promise).
      auto done = std::make_shared<std::promise<std::shared_ptr<const Runtime>>>();
      std::future<std::shared_ptr<const Runtime>> result = done->get_future();
      server_->base_loop()->post([this, next, done] { done->set_value(apply(next)); });
      next.reset();
      while (result.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
        if (reload_quitting()) return;
      }
      std::shared_ptr<const Runtime> old;
      try {
        old = result.get();
      } catch (const std::future_error&) {
        return;
      }
      bool applied = old != nullptr;
      if (applied) {
        ++generation_;
        release_on_every_loop(std::move(old));
      }
      if (status_) status_->note_reload(generation_, applied);
    } else if (status_) {
      status_->note_reload(generation_, false);
    }
    notify_systemd("READY=1\nSTATUS=serving");
  }
}

std::shared_ptr<const Runtime> Daemon::prepare_reload() {
  LoadResult loaded = load_config(path_);
  if (!loaded.ok()) {
    LOG_ERROR("reload: %s has %zu error(s); still running the previous configuration",
              path_.c_str(), loaded.errors.size());
    for (const ConfigError& e : loaded.errors) LOG_ERROR("%s", e.to_string().c_str());
    return nullptr;
  }
  std::shared_ptr<const Runtime> current = cell_.get();
  try {
    return build_runtime(loaded.config, current.get(), generation_ + 1);
  } catch (const std::exception& e) {
    LOG_ERROR("reload: %s; still running the previous configuration", e.what());
    return nullptr;
  }
}

std::shared_ptr<const Runtime> Daemon::apply(const std::shared_ptr<const Runtime>& next) {
  if (stopping_) return nullptr;
  const Config& now = *next->config;
  if (!listeners_->prepare(now)) {
    LOG_ERROR("reload: still running the previous configuration");
    return nullptr;
  }
  std::shared_ptr<const Runtime> old = cell_.publish(next);
  listeners_->commit();
  server_->set_shutdown_grace_ms(now.server.shutdown_timeout_ms);
  connection_limiter_->set_max_per_client(now.server.max_connections_per_client);
  set_error_log_level(now.log.level);
  for (const std::string& what : restart_only_changes(*old->config, now)) {
    LOG_WARN("reload: %s changed; it takes effect when portico restarts", what.c_str());
  }
  LOG_INFO("configuration reloaded (generation %llu)",
           static_cast<unsigned long long>(next->generation));
  return old;
}

void Daemon::release_on_every_loop(std::shared_ptr<const Runtime> old) {
  // Each loop drops its cached copy; the last reference then goes here, on this thread, so the
  // old runtime's teardown (closing roots, flushing a replaced access log) never runs on a loop.
  std::vector<net::EventLoop*> loops = server_->serving_loops();
  auto remaining = std::make_shared<std::atomic<size_t>>(loops.size());
  for (net::EventLoop* loop : loops) {
    loop->post([this, remaining] {
      cell_.refresh_this_thread();
      remaining->fetch_sub(1);
    });
  }
  while (remaining->load() > 0 && !reload_quitting()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  old.reset();
}

}  // namespace

std::vector<std::string> restart_only_changes(const Config& a, const Config& b) {
  std::vector<std::string> out;
  const ServerSettings& x = a.server;
  const ServerSettings& y = b.server;
  if (x.threads != y.threads) out.push_back("[server] threads");
  if (x.backend != y.backend) out.push_back("[server] event_backend");
  if (x.server_header != y.server_header || x.hide_version != y.hide_version) {
    out.push_back("[server] server_header");
  }
  if (x.allow_trace != y.allow_trace) out.push_back("[server] allow_trace");
  if (x.user != y.user || x.group != y.group) out.push_back("[server] user/group");
  if (x.pidfile != y.pidfile) out.push_back("[server] pidfile");
  if (!same_limits(a.limits, b.limits) || a.send_timeout_ms != b.send_timeout_ms) {
    out.push_back("[limits]");
  }
  if (a.log.error_log != b.log.error_log) out.push_back("[log] error");
  if (a.log.slow_request_ms != b.log.slow_request_ms ||
      a.log.request_id_header != b.log.request_id_header) {
    out.push_back("[log] slow_request/request_id_header");
  }
  if (a.status.path != b.status.path || a.status.allow != b.status.allow) {
    out.push_back("[status]");
  }
  return out;
}

int run_daemon(const std::string& config_path) {
  Daemon daemon(config_path);
  return daemon.run();
}

}  // namespace portico::server
