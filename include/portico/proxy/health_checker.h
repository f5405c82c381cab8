// ActiveHealthChecker: probes every server of an UpstreamSet on an interval (HTTP GET) and feeds
// the results to its UpstreamHealth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "portico/net/event_loop.h"
#include "portico/proxy/upstream_health.h"
#include "portico/proxy/upstream_set.h"

namespace portico::proxy {

namespace detail {
class HealthProbe;
}

// Each server is probed at once on start() and then every interval_ms, one probe at a time per
// server (a probe still running at the next tick is left to finish or time out). The address
// probed is the server's first resolved address (ServerState::addresses), or its configured
// address when that is an IP literal; a server with neither counts as kConnectFailed.
//
// Loop thread only; the set and the health object must outlive the checker. Destroying it (or
// stop()) cancels every probe and timer.
class ActiveHealthChecker {
 public:
  ActiveHealthChecker(net::EventLoop* loop, UpstreamSet& set, UpstreamHealth& health,
                      ActiveCheckOptions options);
  ~ActiveHealthChecker();
  ActiveHealthChecker(const ActiveHealthChecker&) = delete;
  ActiveHealthChecker& operator=(const ActiveHealthChecker&) = delete;

  void start();
  void stop();
  // Probes finished so far, over all servers (for tests and the status page).
  uint64_t probes_completed() const { return completed_; }

 private:
  void tick();
  void probe(size_t i);

  net::EventLoop* const loop_;
  UpstreamSet& set_;
  UpstreamHealth& health_;
  const ActiveCheckOptions options_;
  std::vector<std::unique_ptr<detail::HealthProbe>> probes_;
  net::TimerId timer_;
  uint64_t completed_ = 0;
};

}  // namespace portico::proxy
