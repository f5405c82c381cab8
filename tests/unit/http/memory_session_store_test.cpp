// Tests for MemorySessionStore: get/put/erase, idle and absolute expiry, size bound, threads.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "portico/http/session.h"

namespace portico::http {
namespace {

SessionData data_at(int64_t t, std::string v = "1") {
  SessionData d;
  d.values["k"] = std::move(v);
  d.created_ms = t;
  d.last_seen_ms = t;
  return d;
}

MemorySessionStore::Options opts(int64_t idle, int64_t absolute, size_t max = 1000) {
  return {.timeouts = {.idle_ms = idle, .absolute_ms = absolute}, .max_sessions = max};
}

TEST(MemorySessionStore, StoresReplacesAndErases) {
  MemorySessionStore store;
  EXPECT_EQ(store.get("a", 0), std::nullopt);
  store.put("a", data_at(0), 0);
  ASSERT_TRUE(store.get("a", 1));
  EXPECT_EQ(store.get("a", 2)->values.at("k"), "1");
  store.put("a", data_at(0, "2"), 3);
  EXPECT_EQ(store.get("a", 4)->values.at("k"), "2");
  store.erase("a");
  store.erase("never");
  EXPECT_EQ(store.get("a", 5), std::nullopt);
  EXPECT_EQ(store.size(), 0u);
}

TEST(MemorySessionStore, GetReturnsThePreviousVisitAndTouches) {
  MemorySessionStore store(opts(100, 100'000));
  store.put("a", data_at(0), 0);
  EXPECT_EQ(store.get("a", 90)->last_seen_ms, 0);
  EXPECT_EQ(store.get("a", 180)->last_seen_ms, 90);  // alive: touched at 90
  EXPECT_EQ(store.get("a", 280), std::nullopt);      // idle for 100
}

TEST(MemorySessionStore, AbsoluteTimeoutEndsEvenABusySession) {
  MemorySessionStore store(opts(100, 250));
  store.put("a", data_at(0), 0);
  for (int64_t t = 50; t < 250; t += 50) EXPECT_TRUE(store.get("a", t)) << t;
  EXPECT_EQ(store.get("a", 250), std::nullopt);
}

TEST(MemorySessionStore, ExpireRemovesOnlyExpiredSessions) {
  MemorySessionStore store(opts(100, 100'000));
  for (int i = 0; i < 50; ++i) store.put("old" + std::to_string(i), data_at(0), 0);
  for (int i = 0; i < 20; ++i) store.put("new" + std::to_string(i), data_at(90), 90);
  EXPECT_EQ(store.expire(150), 50u);
  EXPECT_EQ(store.size(), 20u);
}

TEST(MemorySessionStore, SizeIsBoundedByDroppingTheLeastRecentlyUsed) {
  MemorySessionStore store(opts(1'000'000, 1'000'000, 160));
  for (int i = 0; i < 5000; ++i) store.put("s" + std::to_string(i), data_at(i), i);
  EXPECT_LE(store.size(), 160u);
  EXPECT_TRUE(store.get("s4999", 5000));
  EXPECT_EQ(store.get("s0", 5000), std::nullopt);
}

TEST(MemorySessionStore, PutReapsExpiredSessionsAsItGoes) {
  MemorySessionStore store(opts(10, 1'000'000));
  for (int i = 0; i < 100; ++i) store.put("s" + std::to_string(i), data_at(0), 0);
  for (int i = 0; i < 100; ++i) store.put("t" + std::to_string(i), data_at(100), 100);
  EXPECT_LT(store.size(), 200u);  // each put drops a few expired ones from its shard
}

TEST(MemorySessionStore, IsSafeUnderConcurrentUse) {
  MemorySessionStore store(opts(1'000'000, 1'000'000, 500));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i % 300);
        store.put(id, data_at(i), i);
        (void)store.get(id, i);
        if (i % 7 == 0) store.erase(id);
        if (i % 500 == 0) store.expire(i);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(store.size(), 500u);
}

}  // namespace
}  // namespace portico::http
