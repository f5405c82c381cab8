// Tests for TimerQueue: heap order under random adds and cancels, ids, repeat and cancel rules.
#include "net/timer_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace portico::net {
namespace {

TEST(TimerQueue, FiresDueTimersInDueThenInsertionOrder) {
  TimerQueue q;
  std::vector<int> order;
  q.add(30, 0, [&] { order.push_back(3); });
  q.add(10, 0, [&] { order.push_back(1); });
  q.add(10, 0, [&] { order.push_back(2); });
  q.add(50, 0, [&] { order.push_back(5); });
  EXPECT_EQ(q.next_due(), 10);
  EXPECT_EQ(q.run_due(30), 3u);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.next_due(), 50);
}

TEST(TimerQueue, RandomAddsAndCancelsMatchAReferenceModel) {
  TimerQueue q;
  std::mt19937 rng(7);
  std::map<std::pair<int64_t, uint64_t>, int> model;  // (when, seq) -> tag
  std::vector<std::pair<TimerId, std::pair<int64_t, uint64_t>>> live;
  std::vector<int> fired;
  uint64_t seq = 0;
  for (int step = 0; step < 20000; ++step) {
    int op = static_cast<int>(rng() % 3);
    if (op < 2 || live.empty()) {
      int64_t when = static_cast<int64_t>(rng() % 1000);
      int tag = step;
      TimerId id = q.add(when, 0, [&fired, tag] { fired.push_back(tag); });
      model[{when, seq}] = tag;
      live.push_back({id, {when, seq}});
      ++seq;
    } else {
      size_t i = rng() % live.size();
      q.cancel(live[i].first);
      model.erase(live[i].second);
      live[i] = live.back();
      live.pop_back();
    }
    ASSERT_EQ(q.size(), model.size());
    if (!model.empty()) {
      ASSERT_EQ(q.next_due(), model.begin()->first.first);
    }
  }
  q.run_due(1000);
  std::vector<int> expected;
  for (const auto& [key, tag] : model) expected.push_back(tag);
  EXPECT_EQ(fired, expected);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.next_due(), TimerQueue::kNoTimer);
}

TEST(TimerQueue, RepeatingTimerIsRescheduledFromTheFiringTime) {
  TimerQueue q;
  int runs = 0;
  TimerId id = q.add(10, 5, [&] { ++runs; });
  q.run_due(10);
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(q.pending(id));
  EXPECT_EQ(q.next_due(), 15);
  q.run_due(15);
  EXPECT_EQ(runs, 2);
  q.cancel(id);
  EXPECT_FALSE(q.pending(id));
  q.run_due(100);
  EXPECT_EQ(runs, 2);
}

TEST(TimerQueue, TimerAddedWhileRunningWaitsForTheNextRun) {
  TimerQueue q;
  int inner = 0;
  q.add(0, 0, [&] { q.add(0, 0, [&] { ++inner; }); });
  q.run_due(0);
  EXPECT_EQ(inner, 0);
  q.run_due(0);
  EXPECT_EQ(inner, 1);
}

TEST(TimerQueue, StaleIdDoesNotCancelTheSlotsNextTimer) {
  TimerQueue q;
  TimerId first = q.add(1, 0, [] {});
  q.cancel(first);
  bool fired = false;
  TimerId second = q.add(1, 0, [&] { fired = true; });
  EXPECT_NE(first.value, second.value);
  q.cancel(first);
  q.run_due(1);
  EXPECT_TRUE(fired);
}

TEST(TimerQueue, CancelDestroysTheCallbacksCaptures) {
  TimerQueue q;
  auto token = std::make_shared<int>(1);
  TimerId id = q.add(1, 0, [token] {});
  EXPECT_EQ(token.use_count(), 2);
  q.cancel(id);
  EXPECT_EQ(token.use_count(), 1);
}

}  // namespace
}  // namespace portico::net
