// Internal to proxy/: one active health probe: connect, send a GET, judge the response head.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "portico/net/event_loop.h"
#include "portico/net/inet_address.h"
#include "portico/net/tcp_client.h"
#include "portico/proxy/upstream_health.h"

namespace portico::proxy::detail {

// Connects with net::TcpClient, sends "GET path HTTP/1.1" with "Connection: close", parses the
// response head with parse_response_head and closes; the body is never read. The whole probe
// is bounded by ActiveCheckOptions::timeout_ms. Loop thread only. Destroying the probe (or
// cancel()) stops it without calling back and closes its connection.
class HealthProbe {
 public:
  // status is the response's status code, 0 when there was none.
  using Done = std::function<void(ProbeOutcome outcome, int status)>;

  HealthProbe(net::EventLoop* loop, ActiveCheckOptions options);
  ~HealthProbe();
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  // Starts probing `address` (a probe in progress is cancelled first). `done` runs exactly once,
  // from a later loop callback, never inside start().
  void start(const net::InetAddress& address, std::string_view host, Done done);
  void cancel();
  bool running() const { return attempt_ != nullptr; }

  // The state the connection's handler shares with the probe; public for the handler.
  struct Attempt;

 private:
  void finish(ProbeOutcome outcome, int status);

  net::EventLoop* const loop_;
  const ActiveCheckOptions options_;
  std::unique_ptr<net::TcpClient> client_;
  std::shared_ptr<Attempt> attempt_;
  net::TimerId timeout_;
  Done done_;
};

}  // namespace portico::proxy::detail
