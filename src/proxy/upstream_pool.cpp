// UpstreamPool: LIFO idle lists per server with count and age limits.
#include "portico/proxy/upstream_pool.h"

#include <algorithm>

namespace portico::proxy {

UpstreamPool::UpstreamPool(size_t servers, PoolOptions options)
    : options_(options), servers_(servers) {}

uint64_t UpstreamPool::put(size_t server, uint64_t id, int64_t now_ms) {
  if (options_.max_idle_per_server == 0) return id;
  auto& list = servers_[server];
  list.push_back({id, now_ms});
  if (list.size() <= options_.max_idle_per_server) return 0;
  const uint64_t oldest = list.front().id;
  list.pop_front();
  return oldest;
}

std::optional<uint64_t> UpstreamPool::take(size_t server, int64_t now_ms,
                                           std::vector<uint64_t>& expired_ids) {
  auto& list = servers_[server];
  // The front holds the oldest entries: once the newest is expired, all are.
  while (!list.empty()) {
    const Entry e = list.back();
    list.pop_back();
    if (!expired(e, now_ms)) return e.id;
    expired_ids.push_back(e.id);
  }
  return std::nullopt;
}

bool UpstreamPool::remove(uint64_t id) {
  for (auto& list : servers_) {
    auto it = std::find_if(list.begin(), list.end(), [id](const Entry& e) { return e.id == id; });
    if (it != list.end()) {
      list.erase(it);
      return true;
    }
  }
  return false;
}

void UpstreamPool::sweep(int64_t now_ms, std::vector<uint64_t>& expired_ids) {
  for (auto& list : servers_) {
    while (!list.empty() && expired(list.front(), now_ms)) {
      expired_ids.push_back(list.front().id);
      list.pop_front();
    }
  }
}

std::vector<uint64_t> UpstreamPool::drain() {
  std::vector<uint64_t> out;
  for (auto& list : servers_) {
    for (const Entry& e : list) out.push_back(e.id);
    list.clear();
  }
  return out;
}

size_t UpstreamPool::total_idle() const {
  size_t n = 0;
  for (const auto& list : servers_) n += list.size();
  return n;
}

}  // namespace portico::proxy
