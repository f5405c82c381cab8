// TimerQueue: a loop's timers in an indexed binary heap (O(log n) add, cancel and expiry).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "portico/net/event_loop.h"

namespace portico::net {

// Timers live in a slab of nodes; the heap orders slot numbers by (due time, sequence), and
// each node records its heap position, so cancel removes it from the heap directly instead of
// leaving a tombstone (100,000 pending timers with heavy add/cancel churn stay O(log n) and
// the heap never grows beyond the live timers). A TimerId carries the slot and the slot's
// generation, which changes whenever the slot is freed: a stale id matches nothing.
// Loop thread only.
class TimerQueue {
 public:
  static constexpr int64_t kNoTimer = std::numeric_limits<int64_t>::max();

  // interval_ms > 0 repeats.
  TimerId add(int64_t when_ms, int64_t interval_ms, std::function<void()> fn);
  void cancel(TimerId id);
  bool pending(TimerId id) const;
  // Due time of the earliest timer, or kNoTimer.
  int64_t next_due() const;
  // Runs every timer due at or before now_ms (those added while running wait for the next
  // call, so a zero-delay timer cannot starve I/O). Returns how many callbacks ran.
  size_t run_due(int64_t now_ms);
  size_t size() const { return live_; }

 private:
  enum class NodeState : uint8_t { kFree, kPending, kFiring, kCancelled };

  struct Node {
    int64_t when = 0;
    int64_t interval = 0;
    uint64_t seq = 0;
    std::function<void()> fn;
    uint32_t generation = 1;
    int32_t heap_index = -1;
    NodeState state = NodeState::kFree;
  };

  bool earlier(uint32_t a, uint32_t b) const {
    const Node& x = nodes_[a];
    const Node& y = nodes_[b];
    return x.when != y.when ? x.when < y.when : x.seq < y.seq;
  }
  void heap_push(uint32_t slot);
  uint32_t heap_pop();
  void heap_erase(size_t pos);
  void sift_up(size_t pos);
  void sift_down(size_t pos);
  void place(size_t pos, uint32_t slot);
  void free_slot(uint32_t slot);
  Node* lookup(TimerId id);
  const Node* lookup(TimerId id) const { return const_cast<TimerQueue*>(this)->lookup(id); }

  std::vector<Node> nodes_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> heap_;
  std::vector<uint32_t> firing_;
  uint64_t next_seq_ = 0;
  size_t live_ = 0;
};

}  // namespace portico::net
