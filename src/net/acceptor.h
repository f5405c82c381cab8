// Acceptor: a listening socket on one loop that accepts until EAGAIN and survives fd exhaustion.
#pragma once

#include <cstdint>
#include <functional>

#include "net/channel.h"
#include "net/socket.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_server.h"

namespace portico::net {

class Acceptor {
 public:
  // Receives each accepted socket (non-blocking, close-on-exec); the callee owns fd.
  using NewConnection = std::function<void(int fd, const InetAddress& peer)>;

  // Creates, configures, binds and listens (any thread). Throws std::system_error naming the
  // address and the failing step, e.g. "listen 127.0.0.1:80: bind: Address already in use".
  Acceptor(EventLoop* loop, const InetAddress& addr, const ListenOptions& options);
  // On the loop thread (or with the loop not running).
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  void set_callback(NewConnection cb) { callback_ = std::move(cb); }
  // Starts watching for connections (loop thread).
  void start();
  const InetAddress& bound_address() const { return bound_; }
  EventLoop* loop() const { return loop_; }

 private:
  // Accepts per wakeup before yielding to other channels; the rest is picked up next round.
  static constexpr int kMaxAcceptsPerWakeup = 64;
  static constexpr int64_t kExhaustedRetryMs = 100;

  void handle_read();
  void pause_accepting(int err);
  void log_rate_limited(int err);

  EventLoop* const loop_;
  Socket socket_;
  InetAddress bound_;
  Channel channel_;
  NewConnection callback_;
  TimerId retry_timer_;
};

}  // namespace portico::net
