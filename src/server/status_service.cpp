// The status handler and the request counting behind it.
#include "server/status_service.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <unordered_map>

#include "base/build_info.h"
#include "portico/http/prometheus.h"

namespace portico::server {
namespace {

int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t steady_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Each worker thread's map from site name to metrics index: the name is interned (a lock)
// once per thread and name, then found without one.
struct SiteCache {
  uint64_t owner = 0;  // StatusService::id_ (never reused, unlike an address)
  std::unordered_map<std::string, uint32_t> index;
};
thread_local SiteCache t_sites;

constexpr int64_t kListenerRescanMs = 5000;

std::atomic<uint64_t> g_next_service_id{1};

}  // namespace

std::string StatusService::normalize_path(std::string_view path, std::string* error) {
  std::string p(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.empty() || p.front() != '/' || p == "/") {
    *error = "status path '" + std::string(path) + "': expected a path like /_portico";
    return "";
  }
  for (char c : p) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '.' || c == '~';
    if (!ok) {
      *error = "status path '" + std::string(path) + "': use letters, digits and / _ - . ~ only";
      return "";
    }
  }
  return p;
}

StatusService::StatusService(StatusOptions options)
    : options_(std::move(options)),
      id_(g_next_service_id.fetch_add(1)),
      start_unix_ms_(unix_ms_now()),
      start_steady_ms_(steady_ms_now()) {
  metrics_.intern_site("default");
  handler_ = [this](std::shared_ptr<http::Exchange> ex) { handle(ex); };
}

StatusService::~StatusService() = default;

http::AccessLogSink StatusService::count_then(http::AccessLogSink next) {
  return [this, next = std::move(next)](const http::AccessLogEntry& e) {
    record(e, "default");
    if (next) next(e);
  };
}

void StatusService::record(const http::AccessLogEntry& e, std::string_view site) {
  SiteCache& cache = t_sites;
  if (cache.owner != id_) cache = SiteCache{id_, {}};
  uint32_t index = 0;
  if (auto it = cache.index.find(std::string(site)); it != cache.index.end()) {
    index = it->second;
  } else {
    index = metrics_.intern_site(site);
    cache.index.emplace(std::string(site), index);
  }
  http::RequestSample s;
  s.site = index;
  s.code = static_cast<uint16_t>(http::code(e.status));
  s.duration_us = e.duration_us > 0 ? static_cast<uint64_t>(e.duration_us) : 0;
  s.bytes_out = e.body_bytes;
  if (e.request) {
    s.method = e.request->method();
    s.bytes_in = e.request->head().head_bytes + e.request->body().size();
  }
  metrics_.record(s);
}

const http::AsyncHandler* StatusService::find(const http::Request& request) const {
  std::string_view path = request.path();
  const std::string& base = options_.path;
  if (path.substr(0, base.size()) != base) return nullptr;
  std::string_view rest = path.substr(base.size());
  if (rest.empty() || rest == "/" || rest == "/json" || rest == "/metrics") return &handler_;
  return nullptr;
}

void StatusService::attach(http::Server& server) {
  net::EventLoop* base = server.base_loop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    loops_ = server.serving_loops();
  }
  sample(base->now_ms());
  // The timer belongs to the base loop and dies with it; the service outlives the server.
  base->run_every(std::chrono::milliseconds(1000), [this, base] { sample(base->now_ms()); });
}

void StatusService::sample(int64_t now_ms) {
  http::RequestCounts counts = metrics_.snapshot();
  std::lock_guard<std::mutex> lock(mutex_);
  window_.add(now_ms, counts.total, counts.latency);
}

void StatusService::set_upstream_probe(http::UpstreamProbe probe) {
  std::lock_guard<std::mutex> lock(mutex_);
  upstream_probe_ = std::move(probe);
}

void StatusService::note_reload(uint64_t generation, bool ok) {
  std::lock_guard<std::mutex> lock(mutex_);
  reload_.generation = generation;
  reload_.last_result = ok ? "ok" : "failed";
  reload_.last_unix_ms = unix_ms_now();
  reload_.last_message = ok ? "" : "the previous configuration is still served; see the error log";
}

std::string_view StatusService::site_label(const http::SiteRouter& router,
                                           const http::Request* req) {
  if (!req) return "none";
  const http::Site* site = router.find_site(req->host());
  if (!site) return "none";
  return site->hosts.empty() ? std::string_view("default") : std::string_view(site->hosts.front());
}

void StatusService::set_reload_facts(ReloadFacts facts) {
  std::lock_guard<std::mutex> lock(mutex_);
  reload_ = std::move(facts);
}

StatusReport StatusService::report(http::ServerStatus server) const {
  StatusReport r;
  r.version = build::kVersion;
  r.pid = static_cast<int>(::getpid());
  r.now_unix_ms = unix_ms_now();
  r.start_unix_ms = start_unix_ms_;
  r.uptime_seconds = static_cast<double>(steady_ms_now() - start_steady_ms_) / 1000.0;
  r.counts = metrics_.snapshot();
  r.server = std::move(server);
  std::lock_guard<std::mutex> lock(mutex_);
  r.reload = reload_;
  r.last_minute = window_.stats();
  int64_t now = steady_ms_now();
  if (now - scanned_ms_ >= kListenerRescanMs) {
    r.listeners = scanner_.rescan();
    scanned_ms_ = now;
  } else {
    r.listeners = scanner_.refresh();
  }
  return r;
}

void StatusService::handle(const std::shared_ptr<http::Exchange>& ex) {
  const http::Request& req = ex->request();
  if (!options_.allow.contains(req.peer())) {
    ex->respond(http::Response::error(http::Status::kForbidden));
    return;
  }
  if (req.method() != http::Method::kGet && req.method() != http::Method::kHead) {
    http::Response res = http::Response::error(http::Status::kMethodNotAllowed);
    res.set_header("Allow", "GET, HEAD");
    ex->respond(std::move(res));
    return;
  }
  std::string_view rest = req.path().substr(options_.path.size());
  View view = rest == "/json" ? View::kJson : rest == "/metrics" ? View::kMetrics : View::kPage;
  std::vector<net::EventLoop*> loops;
  http::CollectOptions collect;
  collect.max_rows = options_.max_rows;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    loops = loops_;
    collect.upstreams = upstream_probe_;
  }
  // Reading the (empty) request body to its end first keeps the connection open for the
  // page's next poll. The callbacks hold the exchange weakly: it owns them.
  std::weak_ptr<http::Exchange> weak = ex;
  ex->set_callbacks({
      .on_client_data = [](std::string_view) { return true; },
      .on_client_end =
          [this, weak, loops, view, collect] {
            std::shared_ptr<http::Exchange> ex = weak.lock();
            if (!ex) return;
            http::collect_server_status(
                loops, ex->loop(), collect, [this, ex, view](http::ServerStatus status) {
                  if (!ex->active()) return;
                  StatusReport r = report(std::move(status));
                  http::Response res(http::Status::kOk);
                  res.set_header("Cache-Control", "no-store");
                  res.set_header("X-Content-Type-Options", "nosniff");
                  switch (view) {
                    case View::kPage:
                      res.set_header("Content-Security-Policy",
                                     "default-src 'none'; script-src 'unsafe-inline'; "
                                     "style-src 'unsafe-inline'; connect-src 'self'; "
                                     "img-src data:; base-uri 'none'; form-action 'none'; "
                                     "frame-ancestors 'none'");
                      res.set_header("Referrer-Policy", "no-referrer");
                      res.set_body(status_html(r, options_.path), "text/html; charset=utf-8");
                      break;
                    case View::kJson: res.set_body(status_json(r), "application/json"); break;
                    case View::kMetrics:
                      res.set_body(status_metrics(r), http::kPrometheusContentType);
                      break;
                  }
                  ex->respond(std::move(res));
                });
          },
  });
}

}  // namespace portico::server
