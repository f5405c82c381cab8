// An immutable snapshot shared by every worker thread and replaced whole on reload, read on
// the request path without touching shared mutable memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace portico::server {

// publish() stores a new snapshot under a mutex and bumps a generation counter. current()
// returns the calling thread's cached copy and refreshes it only when the generation moved, so
// the request path costs one relaxed load of a counter that changes once per reload (no
// reference-count traffic, no lock). A request holds the reference current() returned while its
// handler runs, so it finishes on the snapshot it started with.
//
// A thread keeps its cached copy until its next current() or refresh_this_thread() call; the
// publisher posts refresh_this_thread() to every loop so old snapshots are released promptly.
template <typename T>
class SnapshotCell {
 public:
  SnapshotCell() : id_(next_id()) {}
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;

  // Thread-safe. Returns the snapshot it replaced.
  std::shared_ptr<const T> publish(std::shared_ptr<const T> next) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(current_, next);
    generation_.store(++published_, std::memory_order_release);
    return next;
  }

  // Thread-safe; null before the first publish(). The reference stays valid until this thread
  // calls current() or refresh_this_thread() again.
  const std::shared_ptr<const T>& current() const {
    Cache& c = cache();
    if (c.cell != id_ || c.generation != generation_.load(std::memory_order_acquire)) refresh(c);
    return c.snapshot;
  }

  void refresh_this_thread() const { refresh(cache()); }
  // Drops this thread's cached copy (e.g. before the cell is destroyed on this thread).
  static void forget_this_thread() { cache() = Cache{}; }

  // A counted copy (for code off the request path).
  std::shared_ptr<const T> get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }

 private:
  struct Cache {
    uint64_t cell = 0;
    uint64_t generation = 0;
    std::shared_ptr<const T> snapshot;
  };
  static Cache& cache() {
    thread_local Cache c;
    return c;
  }
  static uint64_t next_id() {
    static std::atomic<uint64_t> ids{1};
    return ids.fetch_add(1);
  }
  void refresh(Cache& c) const {
    std::lock_guard<std::mutex> lock(mutex_);
    c.cell = id_;
    c.generation = published_;
    c.snapshot = current_;
  }

  const uint64_t id_;
  std::atomic<uint64_t> generation_{0};
  mutable std::mutex mutex_;
  uint64_t published_ = 0;            // guarded by mutex_
  std::shared_ptr<const T> current_;  // guarded by mutex_
};

}  // namespace portico::server
