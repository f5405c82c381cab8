// The forward proxy's shared settings, tunnel counts and per-loop worker registry.
#include "proxy/forward_state.h"

#include <stdexcept>
#include <utility>
#include <vector>

namespace portico::proxy {

namespace {

// Workers still registered when their thread ends outlive its loop, so their resolvers cannot
// be torn down safely; they are kept reachable until the process exits (as ProxyWorker does).
std::mutex& orphan_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::unique_ptr<ForwardWorker>>& orphans() {
  static auto* v = new std::vector<std::unique_ptr<ForwardWorker>>();
  return *v;
}

struct Registry {
  struct Entry {
    std::weak_ptr<const ForwardShared> owner;
    std::unique_ptr<ForwardWorker> worker;
  };
  std::unordered_map<uint64_t, Entry> workers;
  ~Registry() {
    std::lock_guard<std::mutex> lock(orphan_mutex());
    for (auto& [id, e] : workers) orphans().push_back(std::move(e.worker));
  }
};

Registry& registry() {
  thread_local Registry r;
  return r;
}

ForwardAccess make_access(const ForwardProxyOptions& o) {
  if (std::string err = o.validate(); !err.empty()) throw std::invalid_argument(err);
  return ForwardAccess(o.access);
}

}  // namespace

TunnelCounter::Admit TunnelCounter::acquire(const std::string& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (total_.load(std::memory_order_relaxed) >= max_total_) return Admit::kTotalFull;
  size_t& n = per_client_[client];
  if (n >= max_per_client_) return Admit::kClientFull;
  ++n;
  total_.fetch_add(1, std::memory_order_relaxed);
  return Admit::kOk;
}

void TunnelCounter::release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return;
  if (--it->second == 0) per_client_.erase(it);
  total_.fetch_sub(1, std::memory_order_relaxed);
}

ForwardShared::ForwardShared(const ForwardProxyOptions& o)
    : options(o), access(make_access(o)), tunnels(o.max_tunnels, o.max_tunnels_per_client) {
  static std::atomic<uint64_t> next_id{1};
  id = next_id.fetch_add(1, std::memory_order_relaxed);
  if (!o.auth_file.empty()) {
    std::string err;
    auth = http::BasicAuth::load(o.auth_file, o.auth_realm, &err);
    if (!auth) throw std::invalid_argument(err);
  }
  forward.host_mode = HostMode::kPass;
  forward.x_forwarded = false;
  forward.forwarded = false;
  forward.via = true;
  forward.via_pseudonym = o.via_pseudonym;
}

ForwardWorker& ForwardWorker::for_loop(net::EventLoop* loop,
                                       const std::shared_ptr<const ForwardShared>& shared) {
  auto& workers = registry().workers;
  auto it = workers.find(shared->id);
  if (it != workers.end()) return *it->second.worker;
  // A new handler (a reload): the workers of handlers nobody uses any more go now. Nothing of
  // theirs is in flight (a tunnel or request would hold its ForwardShared), so their resolvers
  // have no pending callbacks.
  std::erase_if(workers, [](const auto& kv) { return kv.second.owner.expired(); });
  auto w = std::make_unique<ForwardWorker>(loop, shared->options.dns);
  ForwardWorker& ref = *w;
  workers.emplace(shared->id, Registry::Entry{shared, std::move(w)});
  return ref;
}

}  // namespace portico::proxy
