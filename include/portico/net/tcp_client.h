// TcpClient: non-blocking connect with timeout and retries, yielding a loop-owned TcpConnection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "portico/net/connection_handler.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_connection.h"
#include "portico/net/transport.h"

namespace portico::net {

class Connector;

struct ConnectOptions {
  std::chrono::milliseconds connect_timeout{5000};  // per attempt
  int max_attempts = 1;                             // total attempts, >= 1
  std::chrono::milliseconds initial_backoff{100};   // wait before the second attempt
  std::chrono::milliseconds max_backoff{5000};      // backoff doubles up to this
  bool tcp_nodelay = true;                          // see ListenOptions::tcp_nodelay
  ConnectionLimits connection_limits;
};

// Connects to one address from one loop (the reverse proxy's upstream connections). On
// success the TcpConnection is handed to the loop's connection table with a handler from the
// factory, then on_connected runs; the client keeps no ownership of it. After the last failed
// attempt on_failure gets the errno of that attempt (ECONNREFUSED, ETIMEDOUT, ...).
// Loop thread only. Destroying the client cancels a connect in progress (no callback).
class TcpClient {
 public:
  using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(TcpConnection&)>;
  using TransportFactory = std::function<std::unique_ptr<Transport>(int fd)>;

  TcpClient(EventLoop* loop, InetAddress server, ConnectOptions options = {});
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  void set_handler_factory(HandlerFactory factory);
  void set_transport_factory(TransportFactory factory);
  void set_on_connected(std::function<void(TcpConnection&)> fn);
  void set_on_failure(std::function<void(int err)> fn);
  // Optional: after each failed attempt that will be retried (errno, attempt number).
  void set_on_retry(std::function<void(int err, int attempt)> fn);

  // Starts connecting (no-op if already connecting).
  void connect();
  // Cancels a connect in progress or a pending retry, without callbacks.
  void stop();
  bool connecting() const;
  int attempts() const { return attempts_; }
  const InetAddress& server_address() const { return server_; }

 private:
  void start_attempt();
  void on_attempt_done(int fd, int err);
  void schedule_retry(int err);

  EventLoop* const loop_;
  const InetAddress server_;
  const ConnectOptions options_;
  HandlerFactory handler_factory_;
  TransportFactory transport_factory_;
  std::function<void(TcpConnection&)> on_connected_;
  std::function<void(int)> on_failure_;
  std::function<void(int, int)> on_retry_;
  std::unique_ptr<Connector> connector_;
  TimerId retry_timer_;
  int attempts_ = 0;
  std::chrono::milliseconds next_backoff_{0};
};

}  // namespace portico::net
