// Tests for src/http/compressed_cache.cpp: hits and misses by every key field, LRU eviction
// within the byte budget, oversized bodies, and per-thread shards.
#include "portico/http/compressed_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace portico::http {
namespace {

using C = ContentCoding;

std::shared_ptr<const std::string> body(size_t n, char c = 'x') {
  return std::make_shared<const std::string>(n, c);
}

CompressedKey key(std::string_view path, C coding = C::kGzip) {
  return CompressedKey{path, 1000, 5000, 42, coding};
}

TEST(CompressedCache, FindsWhatWasInserted) {
  CompressedCache cache(1 << 20, 1);
  EXPECT_EQ(cache.find(key("app.js")), nullptr);
  auto b = body(100);
  cache.insert(key("app.js"), b);
  EXPECT_EQ(cache.find(key("app.js")), b);
  CompressedCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.insertions, 1u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes, 100 + 6 + CompressedCache::kEntryOverheadBytes);
}

TEST(CompressedCache, MissesWhenAnyKeyFieldDiffers) {
  CompressedCache cache(1 << 20, 1);
  cache.insert(key("app.js"), body(10));
  CompressedKey k = key("app.js");
  EXPECT_NE(cache.find(k), nullptr);
  k = key("app.js");
  k.mtime_ns += 1;
  EXPECT_EQ(cache.find(k), nullptr);
  k = key("app.js");
  k.size += 1;
  EXPECT_EQ(cache.find(k), nullptr);
  k = key("app.js");
  k.inode += 1;
  EXPECT_EQ(cache.find(k), nullptr);
  EXPECT_EQ(cache.find(key("app.js", C::kBrotli)), nullptr);
  EXPECT_EQ(cache.find(key("app.jsx")), nullptr);
}

TEST(CompressedCache, KeepsOneEntryPerCoding) {
  CompressedCache cache(1 << 20, 1);
  auto gz = body(10, 'g');
  auto br = body(10, 'b');
  cache.insert(key("a", C::kGzip), gz);
  cache.insert(key("a", C::kBrotli), br);
  EXPECT_EQ(cache.find(key("a", C::kGzip)), gz);
  EXPECT_EQ(cache.find(key("a", C::kBrotli)), br);
}

TEST(CompressedCache, ReplacesAnEntryInsertedAgain) {
  CompressedCache cache(1 << 20, 1);
  cache.insert(key("a"), body(10));
  auto second = body(20);
  cache.insert(key("a"), second);
  EXPECT_EQ(cache.find(key("a")), second);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(CompressedCache, EvictsTheLeastRecentlyUsedToStayWithinBudget) {
  const size_t entry = 1000 + 1 + CompressedCache::kEntryOverheadBytes;
  CompressedCache cache(3 * entry, 1);
  cache.insert(key("a"), body(1000));
  cache.insert(key("b"), body(1000));
  cache.insert(key("c"), body(1000));
  ASSERT_NE(cache.find(key("a")), nullptr);  // now b is the least recently used
  cache.insert(key("d"), body(1000));
  EXPECT_EQ(cache.find(key("b")), nullptr);
  EXPECT_NE(cache.find(key("a")), nullptr);
  EXPECT_NE(cache.find(key("c")), nullptr);
  EXPECT_NE(cache.find(key("d")), nullptr);
  CompressedCacheStats s = cache.stats();
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_LE(s.bytes, cache.capacity_bytes());
}

TEST(CompressedCache, NeverGrowsPastItsBudget) {
  CompressedCache cache(50'000, 1);
  for (int i = 0; i < 1000; ++i) {
    std::string name = "file" + std::to_string(i);
    cache.insert(key(name), body(static_cast<size_t>(100 + i * 7 % 3000)));
    ASSERT_LE(cache.stats().bytes, 50'000u);
  }
}

TEST(CompressedCache, DoesNotStoreABodyLargerThanAShard) {
  CompressedCache cache(10'000, 1);
  cache.insert(key("small"), body(100));
  cache.insert(key("big"), body(20'000));
  EXPECT_EQ(cache.find(key("big")), nullptr);
  EXPECT_NE(cache.find(key("small")), nullptr);  // nothing was evicted for it
}

TEST(CompressedCache, WithZeroCapacityStoresNothing) {
  CompressedCache cache(0, 4);
  cache.insert(key("a"), body(1));
  EXPECT_EQ(cache.find(key("a")), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(CompressedCache, IgnoresANullBody) {
  CompressedCache cache(1 << 20, 1);
  cache.insert(key("a"), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(CompressedCache, DefaultsToOneShardPerHardwareThread) {
  CompressedCache cache(1 << 20);
  EXPECT_GE(cache.shard_count(), 1u);
}

TEST(CompressedCache, GivesEachThreadItsOwnShard) {
  // Threads started together get consecutive ordinals, so with as many shards as threads
  // each one sees only its own entries: no thread ever waits on another's lock.
  constexpr int kThreads = 4;
  CompressedCache cache(1 << 20, kThreads);
  std::vector<int> own_hits(kThreads, 0), total_entries(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string name = "t" + std::to_string(t);
      cache.insert(key(name), body(100));
      for (int i = 0; i < 1000; ++i) {
        if (cache.find(key(name))) ++own_hits[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(own_hits[t], 1000);
  CompressedCacheStats s = cache.stats();
  EXPECT_EQ(s.entries, static_cast<size_t>(kThreads));
  EXPECT_EQ(s.hits, static_cast<uint64_t>(kThreads) * 1000);
}

TEST(CompressedCache, StaysConsistentUnderConcurrentUse) {
  CompressedCache cache(200'000, 2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3000; ++i) {
        std::string name = "f" + std::to_string((i * 31 + t) % 97);
        if (!cache.find(key(name))) cache.insert(key(name), body(static_cast<size_t>(i % 5000)));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.stats().bytes, 200'000u);
}

}  // namespace
}  // namespace portico::http
