// An HTTP/1.1 server: listeners, one event loop per worker thread, a router of
// handlers. The portico binary is built on this class; so can any C++ program.
//
//   portico::http::Server server({.listen = {"127.0.0.1:8080"}});
//   server.router().get("/hello", [](const Request&, Response& res) {
//     res.set_body("{\"hello\":\"world\"}", "application/json");
//   });
//   server.start();   // binds; throws std::system_error naming the address on failure
//   server.run();     // until stop() or SIGINT/SIGTERM
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "portico/http/exchange.h"
#include "portico/http/request_limits.h"
#include "portico/http/router.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_server.h"

namespace portico::http {

// One line of the access log, handed to the log sink after each response.
struct AccessLogEntry {
  const Request* request = nullptr;  // null when the request could not be parsed
  Status status = Status::kOk;
  uint64_t body_bytes = 0;    // body bytes of the response (0 for HEAD)
  int64_t start_unix_ms = 0;  // when the request's first byte was handled
  int64_t duration_us = 0;    // head complete to response queued
  const net::InetAddress* peer = nullptr;
  // Set by asynchronous handlers (Exchange::set_log_note): e.g. which upstream answered and why
  // it failed. Empty otherwise.
  std::string_view note;
};
using AccessLogSink = std::function<void(const AccessLogEntry&)>;

// A listener beyond the plain ones in ServerOptions::listen: its own socket
// options and transport (the TLS layer supplies a factory for HTTPS).
struct Listener {
  std::string address;  // HOST:PORT, "[::1]:PORT"
  net::ListenOptions options;
  net::TcpServer::TransportFactory transport;  // empty: plain TCP
};

struct ServerOptions {
  std::vector<std::string> listen = {"127.0.0.1:8080"};  // plain HTTP, HOST:PORT, "[::1]:PORT"
  std::vector<Listener> listeners;                       // more, with options/transport
  int threads = 0;                                       // worker loops; 0: one per core
  net::Backend backend = net::Backend::kEpoll;
  net::ListenOptions listen_options;
  RequestLimits limits;
  std::string server_header = "portico";  // Server field; empty omits it
  bool allow_trace = false;               // TRACE answered (405 otherwise)
  bool handle_signals = true;             // run() stops on SIGINT/SIGTERM
  uint32_t shutdown_grace_ms = 10'000;    // graceful stop: time for in-flight requests
  AccessLogSink access_log;               // called on the worker thread; may be empty
  // Longest time without a byte written to a client that has a response pending.
  uint32_t send_timeout_ms = 60'000;
  // Request ids (Request::request_id()): taken from this request field when it holds a valid
  // id (request_id.h), else generated. Empty: always generated.
  std::string request_id_header = "X-Request-Id";
  // Requests slower than this, from their first byte to their response's last byte queued, are
  // logged (warn) with their timing breakdown. 0: off.
  uint32_t slow_request_ms = 0;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes used when no handler was set with set_handler().
  Router& router() { return router_; }
  // Replaces routing by one handler for every request.
  void set_handler(Handler handler) { handler_ = std::move(handler); }
  // With set_handler(): which requests go to an asynchronous handler instead (called with the
  // head only; e.g. SiteRouter::find_async). Without set_handler(), router()'s async routes.
  using AsyncLookup = std::function<const AsyncHandler*(const Request&)>;
  void set_async_lookup(AsyncLookup lookup) { async_lookup_ = std::move(lookup); }

  // Binds every listener and starts the worker threads. Throws std::system_error
  // (or std::invalid_argument for an unparsable address) naming the address.
  void start();
  // Runs the calling thread's loop until stop() (or a signal, see handle_signals).
  void run();
  // Thread-safe. Stops accepting, lets in-flight responses finish (up to
  // shutdown_grace_ms), closes idle connections and makes run() return.
  void stop();

  // Actual bound addresses (ports resolved when listening on port 0), after start().
  std::vector<net::InetAddress> listen_addresses() const;
  const ServerOptions& options() const { return options_; }

  // --- Run-time changes (config reload). After start(), on the base loop's thread. ---------
  // The loop run() runs (signals, timers and tasks of the embedding program), and the loops
  // that serve connections (the workers, or the base loop when there are none).
  net::EventLoop* base_loop() const;
  std::vector<net::EventLoop*> serving_loops() const;
  // Binds and starts one more listener; returns its bound address. Throws like start().
  net::InetAddress add_listener(const Listener& spec);
  // Closes the listening socket bound to `bound`; its connections finish the exchange in
  // progress and close (force-closed after shutdown_grace_ms). False when there is none.
  bool remove_listener(const net::InetAddress& bound);
  void set_shutdown_grace_ms(uint32_t ms) { options_.shutdown_grace_ms = ms; }

 private:
  struct State;  // loops, listeners, shared connection config
  void begin_stop();
  std::unique_ptr<net::TcpServer> make_listener(const Listener& spec);
  void reap_retired_listeners();

  ServerOptions options_;
  Router router_;
  Handler handler_;
  AsyncLookup async_lookup_;
  std::unique_ptr<State> state_;
};

}  // namespace portico::http
