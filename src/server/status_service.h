// The status handler: PATH (HTML page), PATH/json and PATH/metrics (Prometheus), off unless
// configured, answered only to clients in an allow list (loopback by default). It counts every
// response into per-worker request metrics, keeps the last minute's rate and percentiles, and
// gathers the connection picture from every loop when asked, without blocking any loop.
//
//   StatusService status({.path = "/_portico"});
//   options.access_log = status.count_then(std::move(options.access_log));
//   server.set_async_lookup([&status](const Request& r) { return status.find(r); });
//   server.start();
//   status.attach(server);  // on the base loop's thread
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/exchange.h"
#include "portico/http/request_metrics.h"
#include "portico/http/request_window.h"
#include "portico/http/server.h"
#include "portico/http/server_status.h"
#include "portico/http/site_router.h"
#include "portico/net/cidr.h"
#include "server/status_report.h"

namespace portico::server {

struct StatusOptions {
  std::string path = "/_portico";  // starts with '/', no trailing '/'
  // Clients allowed to see it (the connection's peer address, never a forwarded one).
  net::NetworkSet allow = net::NetworkSet::loopback();
  size_t max_rows = 500;  // rows of the connection table
};

class StatusService {
 public:
  explicit StatusService(StatusOptions options);
  ~StatusService();
  StatusService(const StatusService&) = delete;
  StatusService& operator=(const StatusService&) = delete;

  const StatusOptions& options() const { return options_; }
  http::RequestMetrics& metrics() { return metrics_; }

  // "/x/" -> "/x"; empty when `path` is not a usable mount point (sets *error).
  static std::string normalize_path(std::string_view path, std::string* error);

  // An access log sink that counts each response (site label "default"), then calls next.
  http::AccessLogSink count_then(http::AccessLogSink next);
  // Counts one response under a site name (from the configuration, never from a request:
  // label values must stay bounded). Worker threads; no lock after a thread's first call.
  void record(const http::AccessLogEntry& entry, std::string_view site);

  // For Server::set_async_lookup: the status handler for requests to its paths, else nullptr.
  const http::AsyncHandler* find(const http::Request& request) const;

  // After Server::start(), on the base loop's thread: where to gather connections from, and
  // the once-a-second sampling of the last minute.
  void attach(http::Server& server);
  // The configuration facts shown (thread-safe).
  void set_reload_facts(ReloadFacts facts);
  // How each loop lists its upstream servers (the proxy's pools); thread-safe, may be empty.
  void set_upstream_probe(http::UpstreamProbe probe);
  // A reload finished: ok, serving `generation` now, or failed (the old one still runs).
  void note_reload(uint64_t generation, bool ok);

  // The site label of a request: the first name of the site that serves it, "default" for a
  // site without names, "none" when no site claims it (or the request could not be parsed).
  static std::string_view site_label(const http::SiteRouter& router, const http::Request* req);

  // The report around a connection picture (the handler calls it once the picture arrived).
  StatusReport report(http::ServerStatus server) const;

 private:
  enum class View { kPage, kJson, kMetrics };
  void handle(const std::shared_ptr<http::Exchange>& ex);
  void sample(int64_t now_ms);

  const StatusOptions options_;
  const uint64_t id_;  // process-unique, keys the per-thread site name cache
  const int64_t start_unix_ms_;
  const int64_t start_steady_ms_;
  http::RequestMetrics metrics_;
  http::AsyncHandler handler_;

  mutable std::mutex mutex_;  // status requests and the sampler only, never the request path
  std::vector<net::EventLoop*> loops_;       // guarded by mutex_
  http::UpstreamProbe upstream_probe_;       // guarded by mutex_
  http::RequestWindow window_;               // guarded by mutex_
  ReloadFacts reload_;                       // guarded by mutex_
  mutable ListenerScanner scanner_;          // guarded by mutex_
  mutable int64_t scanned_ms_ = -1'000'000;  // guarded by mutex_: last full listener scan
};

}  // namespace portico::server
