// A bounded in-memory cache of compressed small files, so hot assets are compressed once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/accept_encoding.h"

namespace portico::http {

// Identifies one compressed representation of one version of a file. A file changed in place
// gets a new mtime or size (and a replaced one a new inode), so its old entries are simply
// never asked for again and age out.
struct CompressedKey {
  std::string_view path;  // the file's path relative to the document root
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  uint64_t inode = 0;
  ContentCoding coding = ContentCoding::kIdentity;
};

struct CompressedCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t insertions = 0;
  uint64_t evictions = 0;
  size_t entries = 0;
  size_t bytes = 0;  // charged bytes: bodies, keys and per-entry overhead
};

// Least-recently-used eviction within a byte budget. The budget is split into shards and a
// thread always uses the same shard (threads are numbered on first use), so with at least as
// many shards as worker threads every event loop has its own LRU and no lookup ever waits for
// another thread. Each shard still has a mutex, so any thread may call any method safely.
// The price is that each worker compresses a hot file once for itself.
class CompressedCache {
 public:
  // Fixed cost charged per entry besides its body and key (list and map nodes, control block).
  static constexpr size_t kEntryOverheadBytes = 160;

  // `capacity_bytes` in total (0 caches nothing); `shards` 0 means one per hardware thread.
  explicit CompressedCache(size_t capacity_bytes, size_t shards = 0);
  ~CompressedCache();
  CompressedCache(const CompressedCache&) = delete;
  CompressedCache& operator=(const CompressedCache&) = delete;

  // The body for `key` from the calling thread's shard, or nullptr.
  std::shared_ptr<const std::string> find(const CompressedKey& key);
  // Stores a body in the calling thread's shard, evicting the least recently used entries to
  // make room. A body larger than a shard's budget is not stored.
  void insert(const CompressedKey& key, std::shared_ptr<const std::string> body);

  size_t capacity_bytes() const { return capacity_; }
  size_t shard_count() const { return shards_.size(); }
  // Sums over all shards.
  CompressedCacheStats stats() const;

 private:
  struct Shard;
  Shard& shard_for_this_thread();

  size_t capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace portico::http
