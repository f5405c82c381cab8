// Connector: one non-blocking connect(2) attempt with a timeout, reported from a timer callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "net/channel.h"
#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"

namespace portico::net {

// Loop thread only. The result is always delivered from a timer callback, never from inside
// the Connector's own channel callback, so the receiver may destroy the Connector in it.
// Destroying it earlier cancels the attempt silently (the socket is closed).
class Connector {
 public:
  // fd >= 0: connected socket, now owned by the callee. Otherwise err is the errno.
  using Done = std::function<void(int fd, int err)>;

  Connector(EventLoop* loop, InetAddress server, int64_t timeout_ms, Done done);
  ~Connector();
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  void start();

 private:
  void handle_event();
  void complete(int err);  // stops watching and schedules delivery

  EventLoop* const loop_;
  const InetAddress server_;
  const int64_t timeout_ms_;
  Done done_;
  int fd_ = -1;
  std::unique_ptr<Channel> channel_;
  TimerId timeout_timer_;
  TimerId deliver_timer_;
  bool completed_ = false;
};

}  // namespace portico::net
