// ProxyWorker: builds a route's per-loop state and keeps it current (DNS watches, health, pool
// sweeps); the per-thread registry that finds it without a lock.
#include "proxy/proxy_worker.h"

#include <chrono>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "portico/base/log.h"
#include "portico/proxy/proxy_handler.h"
#include "proxy/upstream_connection.h"

namespace portico::proxy {

namespace {

constexpr std::chrono::milliseconds kTickInterval{1000};

// Workers that still exist when their thread ends. By then the thread's loop is already
// destroyed, so their timers, resolver sockets and probes cannot be torn down safely; they are
// kept reachable until the process exits instead.
std::mutex& orphan_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::shared_ptr<ProxyWorker>>& orphans() {
  static auto* v = new std::vector<std::shared_ptr<ProxyWorker>>();
  return *v;
}

struct Registry {
  std::unordered_map<uint64_t, std::shared_ptr<ProxyWorker>> workers;
  ~Registry() {
    std::lock_guard<std::mutex> lock(orphan_mutex());
    for (auto& [id, w] : workers) orphans().push_back(std::move(w));
  }
};

Registry& registry() {
  thread_local Registry r;
  return r;
}

bool is_ip_literal(const std::string& host) {
  return net::InetAddress::from_host_port(host, 1).has_value();
}

}  // namespace

std::shared_ptr<ProxyWorker> ProxyWorker::for_loop(net::EventLoop* loop,
                                                   const std::shared_ptr<const ProxyShared>& shared,
                                                   const std::shared_ptr<const void>& route) {
  auto& workers = registry().workers;
  auto it = workers.find(shared->id);
  if (it != workers.end()) return it->second;
  auto w = std::make_shared<ProxyWorker>(loop, shared, route);
  workers.emplace(shared->id, w);
  return w;
}

ProxyWorker::ProxyWorker(net::EventLoop* loop, std::shared_ptr<const ProxyShared> shared,
                         std::weak_ptr<const void> route)
    : loop_(loop), shared_(std::move(shared)), route_(std::move(route)) {
  const ProxyOptions& o = shared_->options;
  for (size_t i = 0; i < o.upstreams.size(); ++i) {
    set_.add({.name = o.upstreams[i].url,
              .address = shared_->urls[i].authority,
              .weight = o.upstreams[i].weight});
  }
  balancer_ = make_balancer(o.balance, set_, o.balancer);
  health_ = std::make_unique<UpstreamHealth>(set_, o.passive_health,
                                             o.active_health ? &*o.active_health : nullptr);
  pool_ = std::make_shared<UpstreamPool>(set_.size(),
                                         PoolOptions{o.pool_max_idle, o.pool_idle_timeout_ms});

  for (size_t i = 0; i < set_.size(); ++i) {
    const std::string& host = set_.host(i);
    if (is_ip_literal(host)) {
      set_.set_addresses(i, {*net::InetAddress::from_host_port(host, set_.port(i))});
      continue;
    }
    if (!resolver_) resolver_ = std::make_unique<DnsResolver>(loop_, o.dns);
    const uint16_t port = set_.port(i);
    watches_.push_back(resolver_->watch(host, [this, i, port](const DnsAnswer& answer) {
      if (!answer.ok()) {
        LOG_WARN("proxy: upstream %s: %s", set_.server(i).name.c_str(),
                 std::string(to_string(answer.error)).c_str());
        return;  // the last good addresses stay in use
      }
      std::vector<net::InetAddress> addresses = answer.addresses;
      for (auto& a : addresses) a.set_port(port);
      set_.set_addresses(i, std::move(addresses));
    }));
  }
  if (o.active_health) {
    checker_ = std::make_unique<ActiveHealthChecker>(loop_, set_, *health_, *o.active_health);
    checker_->start();
  }
  tick_timer_ = loop_->run_every(kTickInterval, [this] { tick(); });
}

ProxyWorker::~ProxyWorker() { teardown(); }

void ProxyWorker::teardown() {
  loop_->cancel(tick_timer_);
  tick_timer_ = net::TimerId{};
  checker_.reset();
  if (resolver_) {
    for (DnsRequestId id : watches_) resolver_->cancel(id);
  }
  watches_.clear();
  for (uint64_t id : pool_->drain()) {
    if (net::TcpConnection* c = loop_->find_connection(id)) c->force_close();
  }
}

void ProxyWorker::tick() {
  if (route_.expired()) {
    // The route was replaced: stop probing and drop idle connections now; requests still in
    // flight keep this worker alive until they end.
    teardown();
    const uint64_t id = shared_->id;
    loop_->post([id] { registry().workers.erase(id); });
    return;
  }
  std::vector<uint64_t> expired;
  pool_->sweep(loop_->now_ms(), expired);
  for (uint64_t id : expired) {
    if (net::TcpConnection* c = loop_->find_connection(id)) c->force_close();
  }
  health_->refresh(loop_->now_ms());
}

net::TcpConnection* ProxyWorker::take_idle(size_t server) {
  std::vector<uint64_t> expired;
  for (;;) {
    std::optional<uint64_t> id = pool_->take(server, loop_->now_ms(), expired);
    for (uint64_t e : expired) {
      if (net::TcpConnection* c = loop_->find_connection(e)) c->force_close();
    }
    expired.clear();
    if (!id) return nullptr;
    net::TcpConnection* c = loop_->find_connection(*id);
    if (c == nullptr) continue;
    auto* h = dynamic_cast<UpstreamConnection*>(c->handler());
    // A connection the upstream closed while it was parked is never reused.
    if (h == nullptr || !h->idle() || c->state() != net::TcpConnection::State::kConnected ||
        c->peer_closed()) {
      c->force_close();
      continue;
    }
    return c;
  }
}

void ProxyWorker::park(net::TcpConnection& conn, size_t server) {
  auto* h = dynamic_cast<UpstreamConnection*>(conn.handler());
  if (h == nullptr) {
    conn.close();
    return;
  }
  h->park(conn, pool_, options().pool_idle_timeout_ms);
  const uint64_t evicted = pool_->put(server, conn.id(), loop_->now_ms());
  if (evicted != 0) {
    if (net::TcpConnection* c = loop_->find_connection(evicted)) c->force_close();
  }
}

void append_upstream_status(std::vector<http::UpstreamStatus>& out) {
  for (const auto& [id, worker] : registry().workers) {
    if (worker->route_expired()) continue;  // replaced by a reload: going away
    const std::string pool =
        worker->options().name.empty() ? "proxy-" + std::to_string(id) : worker->options().name;
    const UpstreamSet& set = worker->set();
    for (size_t i = 0; i < set.size(); ++i) {
      http::UpstreamStatus u;
      u.pool = pool;
      u.server = set.server(i).name;
      u.up = set.is_up(i);
      u.up_loops = u.up ? 1 : 0;
      u.loops = 1;
      u.active = set.state(i).active;
      u.picks = set.state(i).picks;
      u.failures = worker->health().failures_total(i);
      out.push_back(std::move(u));
    }
  }
}

}  // namespace portico::proxy
