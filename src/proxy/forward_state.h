// ForwardShared: the forward proxy's immutable settings and shared tunnel counts;
// ForwardWorker: its per-loop state (resolver), found without a lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "portico/http/basic_auth.h"
#include "portico/net/event_loop.h"
#include "portico/proxy/dns_resolver.h"
#include "portico/proxy/forward_access.h"
#include "portico/proxy/forward_headers.h"
#include "portico/proxy/forward_proxy.h"

namespace portico::proxy {

// Open tunnels, in total and per client address. Taken once when a tunnel opens and once when
// it closes (never per byte), so one small lock is cheaper than per-worker counts that would
// let a client multiply its limit by the number of workers.
class TunnelCounter {
 public:
  enum class Admit : uint8_t { kOk, kClientFull, kTotalFull };

  TunnelCounter(size_t max_total, size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}

  Admit acquire(const std::string& client);
  void release(const std::string& client);
  size_t total() const { return total_.load(std::memory_order_relaxed); }

 private:
  const size_t max_total_;
  const size_t max_per_client_;
  std::atomic<size_t> total_{0};
  std::mutex mutex_;
  std::unordered_map<std::string, size_t> per_client_;
};

struct ForwardShared {
  ForwardShared(const ForwardProxyOptions& o);

  ForwardProxyOptions options;
  ForwardAccess access;
  std::optional<http::BasicAuth> auth;
  ForwardOptions forward;  // absolute-form header rules: Via only
  mutable TunnelCounter tunnels;
  uint64_t id = 0;  // unique per handler; keys the per-loop registry
};

// One handler's state on one loop. Lives while its handler (or a tunnel or request of it) does:
// a worker whose ForwardShared is gone is dropped when the loop next creates one (a reload), and
// the rest when the loop's thread ends.
class ForwardWorker {
 public:
  static ForwardWorker& for_loop(net::EventLoop* loop,
                                 const std::shared_ptr<const ForwardShared>& shared);

  ForwardWorker(net::EventLoop* loop, const DnsOptions& dns)
      : resolver_(std::make_unique<DnsResolver>(loop, dns)) {}
  DnsResolver& resolver() { return *resolver_; }

 private:
  std::unique_ptr<DnsResolver> resolver_;
};

}  // namespace portico::proxy
