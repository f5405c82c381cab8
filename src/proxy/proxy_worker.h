// ProxyWorker: one proxy route's state on one worker loop (servers, balancer, health, DNS,
// keep-alive pool), created on the loop's first request so nothing on the request path is shared
// between threads or locked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "portico/net/event_loop.h"
#include "portico/net/tcp_connection.h"
#include "portico/proxy/balancer.h"
#include "portico/proxy/dns_resolver.h"
#include "portico/proxy/health_checker.h"
#include "portico/proxy/proxy_options.h"
#include "portico/proxy/upstream_health.h"
#include "portico/proxy/upstream_pool.h"
#include "portico/proxy/upstream_set.h"
#include "portico/tls/tls_client.h"

namespace portico::proxy {

// The immutable part of a route, shared by every loop.
struct ProxyShared {
  ProxyOptions options;
  std::vector<UpstreamUrl> urls;  // parsed options.upstreams, same order as the set
  // One TLS client context per https upstream (null for http ones), built at config load.
  std::vector<std::shared_ptr<tls::TlsClientContext>> tls;
  uint64_t id = 0;  // unique per route, keys the per-loop registry
};

class ProxyWorker {
 public:
  // The worker of `shared` on `loop` (the calling thread's loop), created on first use.
  // `route` is the route's liveness token, held by every copy of its handler: once it expires
  // (a reload replaced the route) the worker closes its idle connections and goes away.
  static std::shared_ptr<ProxyWorker> for_loop(net::EventLoop* loop,
                                               const std::shared_ptr<const ProxyShared>& shared,
                                               const std::shared_ptr<const void>& route);

  ProxyWorker(net::EventLoop* loop, std::shared_ptr<const ProxyShared> shared,
              std::weak_ptr<const void> route);
  ~ProxyWorker();
  ProxyWorker(const ProxyWorker&) = delete;
  ProxyWorker& operator=(const ProxyWorker&) = delete;

  net::EventLoop* loop() const { return loop_; }
  const ProxyShared& shared() const { return *shared_; }
  const ProxyOptions& options() const { return shared_->options; }
  UpstreamSet& set() { return set_; }
  Balancer& balancer() { return *balancer_; }
  UpstreamHealth& health() { return *health_; }
  // Null when every upstream is an IP literal.
  DnsResolver* resolver() { return resolver_.get(); }
  const std::shared_ptr<UpstreamPool>& pool() const { return pool_; }
  // The route was replaced by a reload (the worker is being torn down).
  bool route_expired() const { return route_.expired(); }

  // An idle pooled connection to `server` that is still open, or null.
  net::TcpConnection* take_idle(size_t server);
  // Parks a connection whose exchange ended cleanly, or closes it when the pool is full.
  void park(net::TcpConnection& conn, size_t server);

 private:
  void tick();
  void teardown();

  net::EventLoop* const loop_;
  std::shared_ptr<const ProxyShared> shared_;
  std::weak_ptr<const void> route_;  // expired once the route is gone (a reload)
  UpstreamSet set_;
  std::unique_ptr<Balancer> balancer_;
  std::unique_ptr<UpstreamHealth> health_;
  std::unique_ptr<DnsResolver> resolver_;
  std::vector<DnsRequestId> watches_;
  std::unique_ptr<ActiveHealthChecker> checker_;
  std::shared_ptr<UpstreamPool> pool_;
  net::TimerId tick_timer_;
};

}  // namespace portico::proxy
