// UpstreamPool: the idle keep-alive connections of one upstream group on one worker loop, per
// server, most recently used first, bounded in count and idle time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace portico::proxy {

struct PoolOptions {
  uint32_t max_idle_per_server = 32;  // 0: no keep-alive reuse at all
  uint32_t idle_timeout_ms = 60'000;  // a parked connection older than this is not reused
};

// Book-keeping only: connections are named by their TcpConnection ids and stay owned by their
// loop. The caller closes the ids the pool hands back as evicted or expired, and calls remove()
// when a parked connection closes on its own (the upstream timed it out). Loop thread only.
class UpstreamPool {
 public:
  UpstreamPool(size_t servers, PoolOptions options);

  // Parks connection `id` of `server`, idle since now_ms. Returns the id of the connection
  // that no longer fits (the least recently used one, possibly `id` itself when the pool is
  // off), to be closed; 0 when nothing must close.
  uint64_t put(size_t server, uint64_t id, int64_t now_ms);

  // Takes the most recently parked connection of `server` (a warm one: its congestion window
  // and the upstream's caches are fresh). Entries idle beyond the timeout are dropped on the way
  // and appended to `expired` for closing.
  std::optional<uint64_t> take(size_t server, int64_t now_ms, std::vector<uint64_t>& expired);

  // Forgets a parked connection (it closed). False when it was not parked.
  bool remove(uint64_t id);

  // Drops every entry idle beyond the timeout into `expired` (a periodic sweep).
  void sweep(int64_t now_ms, std::vector<uint64_t>& expired);

  // Every parked id, emptying the pool (shutdown).
  std::vector<uint64_t> drain();

  size_t idle(size_t server) const { return servers_[server].size(); }
  size_t total_idle() const;
  const PoolOptions& options() const { return options_; }

 private:
  struct Entry {
    uint64_t id;
    int64_t since_ms;
  };
  bool expired(const Entry& e, int64_t now_ms) const {
    return now_ms - e.since_ms >= static_cast<int64_t>(options_.idle_timeout_ms);
  }

  PoolOptions options_;
  std::vector<std::deque<Entry>> servers_;  // back: most recently parked
};

}  // namespace portico::proxy
