// Server: binds listeners, runs worker loops, and stops gracefully.
#include "portico/http/server.h"

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
  ConnectionConfig config;
  std::atomic<bool> stopping{false};
  int64_t stop_deadline_ms = 0;
};

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  if (!state_) return;
  // Listeners close their connections on the loops, which must still run.
  state_->listeners.clear();
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

  std::vector<Listener> all = options_.listeners;
  for (const auto& spec : options_.listen) all.push_back(Listener{spec, options_.listen_options, {}});
  if (all.empty()) throw std::invalid_argument("no listen address given");
  for (const auto& spec : all) {
    auto addr = net::InetAddress::parse(spec.address);
    if (!addr) {
      throw std::invalid_argument("listen address '" + spec.address +
                                  "': expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
    }
    auto listener = std::make_unique<net::TcpServer>(state->base_loop.get(), state->worker_loops,
                                                     *addr, spec.options);
    const ConnectionConfig* config = &state->config;
    listener->set_handler_factory([config](net::TcpConnection& conn) {
      return std::make_unique<HttpConnection>(*config, conn);
    });
    if (spec.transport) listener->set_transport_factory(spec.transport);
    listener->start();
    state->listeners.push_back(std::move(listener));
  }
  state_ = std::move(state);
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
    if (open == 0 || s.base_loop->now_ms() >= s.stop_deadline_ms) {
      if (open > 0) LOG_WARN("grace period over; closing %zu connections", open);
      s.base_loop->quit();
    }
  });
}

}  // namespace portico::http
