// PerThread<T>: one instance of T per calling thread, found without a lock on the hot path.
// For request-path state that must not be shared between event loops (rate-limit buckets,
// connection counts): each worker thread gets its own, so nothing on the request path waits.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace portico {

template <class T>
class PerThread {
 public:
  using Factory = std::function<std::unique_ptr<T>()>;

  explicit PerThread(Factory make) : make_(std::move(make)), id_(next_id()) {}
  PerThread(const PerThread&) = delete;
  PerThread& operator=(const PerThread&) = delete;

  // This thread's instance, created on first use. A per-thread table keyed by a process-unique
  // id makes repeat lookups lock-free (one hash lookup); only a thread's first use of this
  // object takes the mutex. Entries of destroyed objects are pruned as the table grows.
  T& local() const {
    Cache& cache = thread_cache();
    if (auto it = cache.entries.find(id_); it != cache.entries.end()) {
      return *static_cast<T*>(it->second.instance);
    }
    T* found = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::thread::id me = std::this_thread::get_id();
      for (auto& [owner, instance] : instances_) {
        if (owner == me) found = instance.get();
      }
      if (found == nullptr) {
        instances_.emplace_back(me, make_());
        found = instances_.back().second.get();
      }
    }
    if (cache.entries.size() >= cache.prune_at) {
      std::erase_if(cache.entries, [](const auto& e) { return e.second.alive.expired(); });
      cache.prune_at = std::max<size_t>(64, 2 * cache.entries.size());
    }
    cache.entries.emplace(id_, CacheEntry{alive_, found});
    return *found;
  }

  // A thread id the system reuses after a thread ended finds the ended thread's instance: state
  // handed over, never shared, since the old owner is gone.
  // Instances created so far (one per thread that used this object).
  size_t thread_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return instances_.size();
  }

 private:
  struct CacheEntry {
    std::weak_ptr<void> alive;  // expires with the PerThread object
    void* instance;
  };
  struct Cache {
    std::unordered_map<uint64_t, CacheEntry> entries;
    size_t prune_at = 64;
  };

  static Cache& thread_cache() {
    thread_local Cache cache;  // per T
    return cache;
  }
  static uint64_t next_id() {
    // Per T, like the cache: ids are never reused, so a stale entry never matches a new object.
    static std::atomic<uint64_t> counter{1};
    return counter.fetch_add(1, std::memory_order_relaxed);
  }

  Factory make_;
  const uint64_t id_;
  std::shared_ptr<void> alive_ = std::make_shared<char>(0);
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::thread::id, std::unique_ptr<T>>> instances_;
};

}  // namespace portico
