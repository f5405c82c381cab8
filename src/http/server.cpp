// Server: binds listeners, runs worker loops, and stops gracefully.
#include "portico/http/server.h"

#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "http/http_connection.h"
#include "portico/base/log.h"
#include "portico/net/event_loop_thread_pool.h"
#include "portico/net/tcp_connection.h"

namespace portico::http {

struct Server::State {
  std::unique_ptr<net::EventLoop> base_loop;
  std::unique_ptr<net::EventLoopThreadPool> pool;
  std::vector<net::EventLoop*> worker_loops;  // empty: the base loop serves
  std::vector<std::unique_ptr<net::TcpServer>> listeners;
  // Removed at run time: no longer accepting, kept until their connections are gone.
  struct Retired {
    std::unique_ptr<net::TcpServer> server;
    int64_t deadline_ms = 0;
  };
  std::vector<Retired> retired;
  net::TimerId reap_timer;
  ConnectionConfig config;
  std::atomic<bool> stopping{false};
  int64_t stop_deadline_ms = 0;
};

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  if (!state_) return;
  // Listeners close their connections on the loops, which must still run.
  state_->listeners.clear();
  state_->retired.clear();
  if (state_->pool) state_->pool->stop();
}

void Server::start() {
  if (state_) throw std::logic_error("Server::start called twice");
  auto state = std::make_unique<State>();
  // A write to a socket the peer reset must fail with EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (options_.handle_signals) {
    // Blocked before any thread starts, so every thread inherits the mask and
    // the base loop's signalfd is the only receiver.
    net::block_signals({SIGINT, SIGTERM});
  }
  state->base_loop = std::make_unique<net::EventLoop>(options_.backend);

  int threads = options_.threads > 0 ? options_.threads
                                     : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  if (threads > 1) {
    state->pool = std::make_unique<net::EventLoopThreadPool>(options_.backend, threads);
    state->pool->start();
    state->worker_loops = state->pool->loops();
  }

  std::string server_header = options_.server_header;
  state->config.options = &options_;
  state->config.server_header = server_header;
  state->config.stopping = &state->stopping;
  state->config.dispatch = [this](const Request& req, Response& res) {
    if (handler_) {
      handler_(req, res);
    } else {
      router_.dispatch(req, res);
    }
  };
  if (async_lookup_) {
    state->config.find_async = async_lookup_;
  } else if (!handler_ && router_.has_async()) {
    state->config.find_async = [this](const Request& req) { return router_.find_async(req); };
  }

  std::vector<Listener> all = options_.listeners;
  for (const auto& spec : options_.listen)
    all.push_back(Listener{spec, options_.listen_options, {}});
  if (all.empty()) throw std::invalid_argument("no listen address given");
  state_ = std::move(state);
  try {
    for (const auto& spec : all) state_->listeners.push_back(make_listener(spec));
  } catch (...) {
    state_->listeners.clear();
    if (state_->pool) state_->pool->stop();
    state_.reset();
    throw;
  }
}

std::unique_ptr<net::TcpServer> Server::make_listener(const Listener& spec) {
  auto addr = net::InetAddress::parse(spec.address);
  if (!addr) {
    throw std::invalid_argument("listen address '" + spec.address +
                                "': expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
  }
  auto listener = std::make_unique<net::TcpServer>(state_->base_loop.get(), state_->worker_loops,
                                                   *addr, spec.options);
  const ConnectionConfig* config = &state_->config;
  listener->set_handler_factory([config](net::TcpConnection& conn) {
    return std::make_unique<HttpConnection>(*config, conn);
  });
  if (spec.transport) listener->set_transport_factory(spec.transport);
  listener->start();
  return listener;
}

net::EventLoop* Server::base_loop() const { return state_ ? state_->base_loop.get() : nullptr; }

std::vector<net::EventLoop*> Server::serving_loops() const {
  if (!state_) return {};
  if (state_->worker_loops.empty()) return {state_->base_loop.get()};
  return state_->worker_loops;
}

net::InetAddress Server::add_listener(const Listener& spec) {
  if (!state_) throw std::logic_error("Server::add_listener before start");
  state_->base_loop->assert_in_loop_thread();
  state_->listeners.push_back(make_listener(spec));
  return state_->listeners.back()->listen_address();
}

bool Server::remove_listener(const net::InetAddress& bound) {
  if (!state_) return false;
  State& st = *state_;
  st.base_loop->assert_in_loop_thread();
  auto it = std::find_if(st.listeners.begin(), st.listeners.end(),
                         [&](const auto& l) { return l->listen_address() == bound; });
  if (it == st.listeners.end()) return false;
  (*it)->stop_accepting();
  st.retired.push_back(
      State::Retired{std::move(*it), st.base_loop->now_ms() + options_.shutdown_grace_ms});
  st.listeners.erase(it);
  // Its connections finish the response in progress, then close. A connection belongs to the
  // listener when its local address is the bound one (any-address: same port and family).
  for (net::EventLoop* loop : serving_loops()) {
    loop->post([loop, bound] {
      loop->for_each_connection([&bound](net::TcpConnection& c) {
        const net::InetAddress& local = c.local_address();
        bool mine = bound.is_any()
                        ? local.port() == bound.port() && local.is_ipv6() == bound.is_ipv6()
                        : local == bound;
        if (!mine) return;
        if (auto* h = dynamic_cast<HttpConnection*>(c.handler())) h->close_when_idle(c);
      });
    });
  }
  if (!st.reap_timer) {
    st.reap_timer = st.base_loop->run_every(std::chrono::milliseconds(50),
                                            [this] { reap_retired_listeners(); });
  }
  return true;
}

void Server::reap_retired_listeners() {
  State& st = *state_;
  int64_t now = st.base_loop->now_ms();
  std::erase_if(st.retired, [now](const State::Retired& r) {
    return r.server->connection_count() == 0 || now >= r.deadline_ms;
  });
  if (st.retired.empty()) {
    st.base_loop->cancel(st.reap_timer);
    st.reap_timer = {};
  }
}

std::vector<net::InetAddress> Server::listen_addresses() const {
  std::vector<net::InetAddress> out;
  if (!state_) return out;
  for (const auto& l : state_->listeners) out.push_back(l->listen_address());
  return out;
}

void Server::run() {
  if (!state_) throw std::logic_error("Server::run before start");
  net::EventLoop& loop = *state_->base_loop;
  if (options_.handle_signals) {
    loop.on_signals({SIGINT, SIGTERM}, [this](int sig) {
      LOG_INFO("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
      begin_stop();
    });
  }
  loop.run();
  // Back on the base thread after quit(): tear down in order.
  state_->listeners.clear();
  state_->retired.clear();
  if (state_->pool) state_->pool->stop();
}

void Server::stop() {
  if (!state_) return;
  state_->base_loop->run_in_loop([this] { begin_stop(); });
}

void Server::begin_stop() {
  State& st = *state_;
  if (st.stopping.exchange(true)) return;
  for (auto& l : st.listeners) l->stop_accepting();
  // Each loop tells its idle connections to close and busy ones to close after
  // the response in progress.
  std::vector<net::EventLoop*> loops = st.worker_loops;
  if (loops.empty()) loops.push_back(st.base_loop.get());
  for (net::EventLoop* loop : loops) {
    loop->run_in_loop([loop] {
      loop->for_each_connection([](net::TcpConnection& c) {
        if (auto* h = dynamic_cast<HttpConnection*>(c.handler())) h->close_when_idle(c);
      });
    });
  }
  st.stop_deadline_ms = st.base_loop->now_ms() + options_.shutdown_grace_ms;
  // Poll until every connection is gone or the grace period ends.
  st.base_loop->run_every(std::chrono::milliseconds(20), [this] {
    State& s = *state_;
    size_t open = 0;
    for (auto& l : s.listeners) open += l->connection_count();
    for (auto& r : s.retired) open += r.server->connection_count();
    if (open == 0 || s.base_loop->now_ms() >= s.stop_deadline_ms) {
      if (open > 0) LOG_WARN("grace period over; closing %zu connections", open);
      s.base_loop->quit();
    }
  });
}

}  // namespace portico::http
