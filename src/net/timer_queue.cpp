// TimerQueue: indexed binary heap of timers with generation-checked ids.
#include "net/timer_queue.h"

#include <utility>

namespace portico::net {
namespace {

uint64_t make_id(uint32_t slot, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | slot;
}

}  // namespace

TimerId TimerQueue::add(int64_t when_ms, int64_t interval_ms, std::function<void()> fn) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& node = nodes_[slot];
  node.when = when_ms;
  node.interval = interval_ms;
  node.seq = next_seq_++;
  node.fn = std::move(fn);
  node.state = NodeState::kPending;
  heap_push(slot);
  ++live_;
  return TimerId{make_id(slot, node.generation)};
}

TimerQueue::Node* TimerQueue::lookup(TimerId id) {
  uint32_t slot = static_cast<uint32_t>(id.value & 0xffffffffu);
  uint32_t generation = static_cast<uint32_t>(id.value >> 32);
  if (id.value == 0 || slot >= nodes_.size()) return nullptr;
  Node& node = nodes_[slot];
  if (node.generation != generation || node.state == NodeState::kFree) return nullptr;
  return &node;
}

void TimerQueue::cancel(TimerId id) {
  Node* node = lookup(id);
  if (node == nullptr) return;
  switch (node->state) {
    case NodeState::kPending: {
      heap_erase(static_cast<size_t>(node->heap_index));
      // The callback's captures may run destructors that touch this queue: destroy them only
      // after the bookkeeping is consistent.
      std::function<void()> dead = std::move(node->fn);
      free_slot(static_cast<uint32_t>(id.value & 0xffffffffu));
      break;
    }
    case NodeState::kFiring:
      // run_due() owns the node right now; it frees it when the callback returns.
      node->state = NodeState::kCancelled;
      break;
    case NodeState::kCancelled:
    case NodeState::kFree: break;
  }
}

bool TimerQueue::pending(TimerId id) const {
  const Node* node = lookup(id);
  return node != nullptr && (node->state == NodeState::kPending ||
                             (node->state == NodeState::kFiring && node->interval > 0));
}

int64_t TimerQueue::next_due() const { return heap_.empty() ? kNoTimer : nodes_[heap_[0]].when; }

size_t TimerQueue::run_due(int64_t now_ms) {
  firing_.clear();
  while (!heap_.empty() && nodes_[heap_[0]].when <= now_ms) {
    uint32_t slot = heap_pop();
    nodes_[slot].state = NodeState::kFiring;
    firing_.push_back(slot);
  }
  // Callbacks may add timers (nodes_ may reallocate) and cancel any timer, so the batch is
  // taken first and each node is re-read by index after its callback. (run_due is never
  // re-entered: callbacks cannot reach it.)
  size_t ran = 0;
  for (uint32_t slot : firing_) {
    if (nodes_[slot].state == NodeState::kCancelled) {
      std::function<void()> dead = std::move(nodes_[slot].fn);
      free_slot(slot);
      continue;
    }
    std::function<void()> fn = std::move(nodes_[slot].fn);
    fn();
    ++ran;
    Node& node = nodes_[slot];
    if (node.state == NodeState::kFiring && node.interval > 0) {
      node.fn = std::move(fn);
      node.when = now_ms + node.interval;
      node.seq = next_seq_++;
      node.state = NodeState::kPending;
      heap_push(slot);
    } else {
      free_slot(slot);
    }
  }
  firing_.clear();
  return ran;
}

void TimerQueue::free_slot(uint32_t slot) {
  Node& node = nodes_[slot];
  node.state = NodeState::kFree;
  node.heap_index = -1;
  node.fn = nullptr;
  ++node.generation;
  if (node.generation == 0) node.generation = 1;  // ids are never 0
  free_slots_.push_back(slot);
  --live_;
}

void TimerQueue::place(size_t pos, uint32_t slot) {
  heap_[pos] = slot;
  nodes_[slot].heap_index = static_cast<int32_t>(pos);
}

void TimerQueue::heap_push(uint32_t slot) {
  heap_.push_back(slot);
  place(heap_.size() - 1, slot);
  sift_up(heap_.size() - 1);
}

uint32_t TimerQueue::heap_pop() {
  uint32_t top = heap_[0];
  heap_erase(0);
  return top;
}

void TimerQueue::heap_erase(size_t pos) {
  uint32_t removed = heap_[pos];
  nodes_[removed].heap_index = -1;
  size_t last = heap_.size() - 1;
  if (pos != last) {
    place(pos, heap_[last]);
    heap_.pop_back();
    // The moved element may belong above or below its new position (sift_down is a no-op when
    // sift_up moved it).
    sift_up(pos);
    sift_down(pos);
  } else {
    heap_.pop_back();
  }
}

void TimerQueue::sift_up(size_t pos) {
  uint32_t slot = heap_[pos];
  while (pos > 0) {
    size_t parent = (pos - 1) / 2;
    if (!earlier(slot, heap_[parent])) break;
    place(pos, heap_[parent]);
    pos = parent;
  }
  place(pos, slot);
}

void TimerQueue::sift_down(size_t pos) {
  uint32_t slot = heap_[pos];
  size_t n = heap_.size();
  while (true) {
    size_t child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], slot)) break;
    place(pos, heap_[child]);
    pos = child;
  }
  place(pos, slot);
}

}  // namespace portico::net
