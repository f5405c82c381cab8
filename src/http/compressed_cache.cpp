// The compressed-file cache: per-thread LRU shards within one byte budget.
#include "portico/http/compressed_cache.h"

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace portico::http {

namespace {

uint64_t mix(uint64_t h, uint64_t v) {
  // boost::hash_combine's constant spread over 64 bits; enough for a table index.
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 12) + (h >> 4);
  return h;
}

uint64_t hash_key(const CompressedKey& k) {
  uint64_t h = std::hash<std::string_view>{}(k.path);
  h = mix(h, static_cast<uint64_t>(k.mtime_ns));
  h = mix(h, k.size);
  h = mix(h, k.inode);
  return mix(h, static_cast<uint64_t>(k.coding));
}

// A small number per thread, handed out on first use: worker threads that start together get
// consecutive numbers and so distinct shards. Process-wide, but only ever incremented.
size_t this_thread_ordinal() {
  static std::atomic<size_t> next{0};
  thread_local const size_t ordinal = next.fetch_add(1, std::memory_order_relaxed);
  return ordinal;
}

}  // namespace

struct CompressedCache::Shard {
  struct Entry {
    uint64_t hash;
    std::string path;
    int64_t mtime_ns;
    uint64_t size;
    uint64_t inode;
    ContentCoding coding;
    std::shared_ptr<const std::string> body;
    size_t charge;

    bool matches(const CompressedKey& k) const {
      return mtime_ns == k.mtime_ns && size == k.size && inode == k.inode && coding == k.coding &&
             path == k.path;
    }
  };

  size_t capacity = 0;
  mutable std::mutex mu;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index;
  size_t bytes = 0;
  CompressedCacheStats stats;

  void erase(std::list<Entry>::iterator it) {
    bytes -= it->charge;
    index.erase(it->hash);
    lru.erase(it);
  }
};

CompressedCache::CompressedCache(size_t capacity_bytes, size_t shards) : capacity_(capacity_bytes) {
  if (shards == 0) shards = std::max(1u, std::thread::hardware_concurrency());
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i) {
    auto s = std::make_unique<Shard>();
    s->capacity = capacity_bytes / shards;
    shards_.push_back(std::move(s));
  }
}

CompressedCache::~CompressedCache() = default;

CompressedCache::Shard& CompressedCache::shard_for_this_thread() {
  return *shards_[this_thread_ordinal() % shards_.size()];
}

std::shared_ptr<const std::string> CompressedCache::find(const CompressedKey& key) {
  Shard& s = shard_for_this_thread();
  uint64_t h = hash_key(key);
  std::lock_guard lock(s.mu);
  auto it = s.index.find(h);
  if (it == s.index.end() || !it->second->matches(key)) {
    ++s.stats.misses;
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  ++s.stats.hits;
  return it->second->body;
}

void CompressedCache::insert(const CompressedKey& key, std::shared_ptr<const std::string> body) {
  if (!body) return;
  Shard& s = shard_for_this_thread();
  size_t charge = body->size() + key.path.size() + kEntryOverheadBytes;
  if (charge > s.capacity) return;
  uint64_t h = hash_key(key);
  std::lock_guard lock(s.mu);
  // The same hash: the same key stored again, or (rarely) another key; either way replace it.
  if (auto it = s.index.find(h); it != s.index.end()) s.erase(it->second);
  while (s.bytes + charge > s.capacity && !s.lru.empty()) {
    s.erase(std::prev(s.lru.end()));
    ++s.stats.evictions;
  }
  s.lru.push_front(Shard::Entry{h, std::string(key.path), key.mtime_ns, key.size, key.inode,
                                key.coding, std::move(body), charge});
  s.index.emplace(h, s.lru.begin());
  s.bytes += charge;
  ++s.stats.insertions;
}

CompressedCacheStats CompressedCache::stats() const {
  CompressedCacheStats total;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    total.hits += s->stats.hits;
    total.misses += s->stats.misses;
    total.insertions += s->stats.insertions;
    total.evictions += s->stats.evictions;
    total.entries += s->lru.size();
    total.bytes += s->bytes;
  }
  return total;
}

}  // namespace portico::http
