// Tests for UpstreamPool: most recently parked first, count and age limits, removal.
#include "portico/proxy/upstream_pool.h"

#include <gtest/gtest.h>

namespace portico::proxy {
namespace {

TEST(UpstreamPoolTest, TakesTheMostRecentlyParkedConnectionFirst) {
  UpstreamPool pool(2, {.max_idle_per_server = 4, .idle_timeout_ms = 1000});
  std::vector<uint64_t> expired;
  EXPECT_EQ(pool.put(0, 11, 0), 0u);
  EXPECT_EQ(pool.put(0, 12, 10), 0u);
  EXPECT_EQ(pool.put(1, 21, 10), 0u);
  EXPECT_EQ(pool.idle(0), 2u);
  EXPECT_EQ(pool.total_idle(), 3u);
  EXPECT_EQ(pool.take(0, 20, expired), std::optional<uint64_t>(12));
  EXPECT_EQ(pool.take(0, 20, expired), std::optional<uint64_t>(11));
  EXPECT_EQ(pool.take(0, 20, expired), std::nullopt);
  EXPECT_EQ(pool.take(1, 20, expired), std::optional<uint64_t>(21));
  EXPECT_TRUE(expired.empty());
}

TEST(UpstreamPoolTest, EvictsTheLeastRecentlyUsedBeyondTheLimit) {
  UpstreamPool pool(1, {.max_idle_per_server = 2, .idle_timeout_ms = 1000});
  EXPECT_EQ(pool.put(0, 1, 0), 0u);
  EXPECT_EQ(pool.put(0, 2, 0), 0u);
  EXPECT_EQ(pool.put(0, 3, 0), 1u);
  EXPECT_EQ(pool.idle(0), 2u);
}

TEST(UpstreamPoolTest, HandsBackEveryConnectionWhenPoolingIsOff) {
  UpstreamPool pool(1, {.max_idle_per_server = 0, .idle_timeout_ms = 1000});
  EXPECT_EQ(pool.put(0, 7, 0), 7u);
  EXPECT_EQ(pool.idle(0), 0u);
}

TEST(UpstreamPoolTest, SkipsAndReportsExpiredConnectionsOnTake) {
  UpstreamPool pool(1, {.max_idle_per_server = 8, .idle_timeout_ms = 100});
  pool.put(0, 1, 0);
  pool.put(0, 2, 50);
  pool.put(0, 3, 90);
  std::vector<uint64_t> expired;
  // At 160: 1 and 2 are 100+ ms idle, 3 is 70 ms idle.
  EXPECT_EQ(pool.take(0, 160, expired), std::optional<uint64_t>(3));
  EXPECT_TRUE(expired.empty());
  EXPECT_EQ(pool.take(0, 160, expired), std::nullopt);
  EXPECT_EQ(expired, (std::vector<uint64_t>{2, 1}));
}

TEST(UpstreamPoolTest, SweepDropsOnlyExpiredEntries) {
  UpstreamPool pool(2, {.max_idle_per_server = 8, .idle_timeout_ms = 100});
  pool.put(0, 1, 0);
  pool.put(0, 2, 80);
  pool.put(1, 3, 10);
  std::vector<uint64_t> expired;
  pool.sweep(120, expired);
  EXPECT_EQ(expired, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(pool.total_idle(), 1u);
}

TEST(UpstreamPoolTest, RemovesAConnectionThatClosedWhileParked) {
  UpstreamPool pool(2, {});
  pool.put(0, 1, 0);
  pool.put(1, 2, 0);
  EXPECT_TRUE(pool.remove(2));
  EXPECT_FALSE(pool.remove(2));
  EXPECT_EQ(pool.idle(1), 0u);
  EXPECT_EQ(pool.drain(), (std::vector<uint64_t>{1}));
  EXPECT_EQ(pool.total_idle(), 0u);
}

}  // namespace
}  // namespace portico::proxy
