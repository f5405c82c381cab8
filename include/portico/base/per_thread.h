// PerThread<T>: one instance of T per calling thread, found without a lock on the hot path.
// For request-path state that must not be shared between event loops (rate-limit buckets,
// connection counts): each worker thread gets its own, so nothing on the request path waits.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
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

  // This thread's instance, created on first use. A small direct-mapped per-thread cache keyed
  // by a process-unique id makes repeat lookups lock-free; a miss (first use on this thread, or
  // a slot taken by another PerThread) takes the mutex once.
  T& local() const {
    CacheSlot& slot = cache()[id_ % kCacheSlots];
    if (slot.id == id_) return *static_cast<T*>(slot.instance);
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
    slot = CacheSlot{id_, found};
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
  struct CacheSlot {
    uint64_t id = 0;  // 0: empty (ids start at 1)
    void* instance = nullptr;
  };
  static constexpr size_t kCacheSlots = 16;

  static CacheSlot* cache() {
    thread_local CacheSlot slots[kCacheSlots];
    return slots;
  }
  static uint64_t next_id() {
    // Per T, like the cache: ids are never reused, so a stale slot never matches a new object.
    static std::atomic<uint64_t> counter{1};
    return counter.fetch_add(1, std::memory_order_relaxed);
  }

  Factory make_;
  const uint64_t id_;
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::thread::id, std::unique_ptr<T>>> instances_;
};

}  // namespace portico
