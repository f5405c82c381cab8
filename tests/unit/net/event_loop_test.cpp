// Tests for EventLoop: timers, cross-thread tasks, quit, signals; run on both backends.
#include "portico/net/event_loop.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "unit/net/net_test_util.h"

namespace portico::net {
namespace {

using namespace std::chrono_literals;
using testing::LoopThread;
using testing::Signal;

class EventLoopTest : public ::testing::TestWithParam<Backend> {};

TEST_P(EventLoopTest, ReportsItsBackend) {
  EventLoop loop(GetParam());
  EXPECT_EQ(loop.backend(), GetParam());
  EXPECT_EQ(EventLoop::parse_backend(EventLoop::backend_name(GetParam())), GetParam());
}

TEST(EventLoopBackendNames, ParsesOnlyKnownNames) {
  EXPECT_EQ(EventLoop::parse_backend("epoll"), Backend::kEpoll);
  EXPECT_EQ(EventLoop::parse_backend("poll"), Backend::kPoll);
  EXPECT_FALSE(EventLoop::parse_backend("select"));
  EXPECT_FALSE(EventLoop::parse_backend("EPOLL"));
  EXPECT_FALSE(EventLoop::parse_backend(""));
}

TEST_P(EventLoopTest, TimersFireInDueOrderThenInsertionOrder) {
  EventLoop loop(GetParam());
  std::vector<int> order;
  loop.run_after(30ms, [&] { order.push_back(3); });
  loop.run_after(10ms, [&] { order.push_back(1); });
  loop.run_after(20ms, [&] { order.push_back(2); });
  // Same delay: insertion order.
  loop.run_after(0ms, [&] { order.push_back(10); });
  loop.run_after(0ms, [&] { order.push_back(11); });
  loop.run_after(40ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{10, 11, 1, 2, 3}));
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST_P(EventLoopTest, CancelledTimerNeverFires) {
  EventLoop loop(GetParam());
  bool fired = false;
  TimerId id = loop.run_after(5ms, [&] { fired = true; });
  EXPECT_TRUE(loop.timer_pending(id));
  loop.cancel(id);
  EXPECT_FALSE(loop.timer_pending(id));
  loop.run_after(20ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_FALSE(fired);
}

TEST_P(EventLoopTest, CancelIsSafeForFiredUnknownAndZeroIds) {
  EventLoop loop(GetParam());
  int fired = 0;
  TimerId id = loop.run_after(0ms, [&] { ++fired; });
  loop.run_after(5ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_EQ(fired, 1);
  loop.cancel(id);  // already fired
  loop.cancel(id);
  loop.cancel(TimerId{});
  loop.cancel(TimerId{0xdeadbeef12345ull});
  // A stale id must not cancel the timer that reused its slot.
  bool later = false;
  loop.run_after(0ms, [&] { later = true; });
  loop.cancel(id);
  loop.run_after(5ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_TRUE(later);
}

TEST_P(EventLoopTest, RepeatingTimerRepeatsUntilCancelledFromItsOwnCallback) {
  EventLoop loop(GetParam());
  int runs = 0;
  TimerId id;
  id = loop.run_every(1ms, [&] {
    if (++runs == 5) loop.cancel(id);
  });
  loop.run_every(2ms, [&] {
    if (!loop.timer_pending(id)) loop.quit();
  });
  loop.run();
  EXPECT_EQ(runs, 5);
}

TEST_P(EventLoopTest, CallbackCanCancelAnotherTimerDueInTheSameBatch) {
  EventLoop loop(GetParam());
  bool second_fired = false;
  TimerId second;
  loop.run_after(5ms, [&] { loop.cancel(second); });
  second = loop.run_after(5ms, [&] { second_fired = true; });
  loop.run_after(20ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_FALSE(second_fired);
}

TEST_P(EventLoopTest, ZeroDelayTimerAddedFromATimerRunsOnALaterIteration) {
  EventLoop loop(GetParam());
  int depth = 0;
  std::function<void()> chain = [&] {
    if (++depth < 100) {
      loop.run_after(0ms, chain);
    } else {
      loop.quit();
    }
  };
  loop.run_after(0ms, chain);
  loop.run();
  EXPECT_EQ(depth, 100);
  EXPECT_GE(loop.stats().iterations, 100u);
}

TEST_P(EventLoopTest, HundredThousandTimersCanBeAddedAndCancelled) {
  EventLoop loop(GetParam());
  constexpr int kTimers = 100000;
  std::vector<TimerId> ids;
  ids.reserve(kTimers);
  int fired = 0;
  for (int i = 0; i < kTimers; ++i) {
    ids.push_back(loop.run_after(std::chrono::milliseconds(1 + i % 50), [&] { ++fired; }));
  }
  EXPECT_EQ(loop.pending_timers(), static_cast<size_t>(kTimers));
  // Cancel every other one, in a scrambled order.
  std::vector<int> order(kTimers / 2);
  for (int i = 0; i < kTimers / 2; ++i) order[i] = 2 * i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (int i : order) loop.cancel(ids[static_cast<size_t>(i)]);
  EXPECT_EQ(loop.pending_timers(), static_cast<size_t>(kTimers / 2));
  loop.run_after(60ms, [&] { loop.quit(); });
  loop.run();
  EXPECT_EQ(fired, kTimers / 2);
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST_P(EventLoopTest, PostFromManyThreadsRunsEveryTaskOnTheLoopThread) {
  LoopThread lt(GetParam());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> ran{0};
  std::atomic<int> off_thread{0};
  Signal done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        lt.loop()->post([&] {
          if (!lt.loop()->in_loop_thread()) ++off_thread;
          if (++ran == kThreads * kPerThread) done.notify();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(done.wait());
  EXPECT_EQ(ran.load(), kThreads * kPerThread);
  EXPECT_EQ(off_thread.load(), 0);
}

TEST_P(EventLoopTest, PostedTasksFromOneThreadRunInOrder) {
  LoopThread lt(GetParam());
  std::vector<int> seen;
  for (int i = 0; i < 1000; ++i) lt.loop()->post([&seen, i] { seen.push_back(i); });
  lt.call([] {});
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
}

TEST_P(EventLoopTest, RunInLoopRunsImmediatelyOnTheLoopThread) {
  EventLoop loop(GetParam());
  bool ran = false;
  loop.run_in_loop([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_P(EventLoopTest, RunInLoopAndWaitRunsInlineWhenTheLoopIsNotRunning) {
  std::unique_ptr<EventLoop> loop;
  std::thread maker([&] { loop = std::make_unique<EventLoop>(GetParam()); });
  maker.join();
  bool ran = false;
  loop->run_in_loop_and_wait([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_P(EventLoopTest, QuitFromAnotherThreadStopsTheLoop) {
  EventLoop loop(GetParam());
  std::thread quitter([&] {
    while (!loop.running()) std::this_thread::yield();
    loop.quit();
  });
  loop.run();
  quitter.join();
  EXPECT_FALSE(loop.running());
}

TEST_P(EventLoopTest, TaskPostedBeforeRunStillRuns) {
  EventLoop loop(GetParam());
  bool ran = false;
  loop.post([&] {
    ran = true;
    loop.quit();
  });
  loop.run();
  EXPECT_TRUE(ran);
}

TEST_P(EventLoopTest, DeliversSignalsThroughSignalfd) {
  // The signal is raised on this (the loop's) thread, where on_signals blocked it; other
  // threads of the test binary never see it.
  EventLoop loop(GetParam());
  std::vector<int> got;
  loop.on_signals({SIGUSR1, SIGUSR2}, [&](int sig) {
    got.push_back(sig);
    if (got.size() == 2) loop.quit();
  });
  loop.run_after(1ms, [] {
    pthread_kill(pthread_self(), SIGUSR1);
    pthread_kill(pthread_self(), SIGUSR2);
  });
  loop.run();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0] + got[1], SIGUSR1 + SIGUSR2);
}

TEST(BlockSignals, RejectsAnInvalidSignalNumber) {
  EXPECT_THROW(block_signals({100000}), std::system_error);
}

INSTANTIATE_TEST_SUITE_P(Backends, EventLoopTest,
                         ::testing::Values(Backend::kEpoll, Backend::kPoll),
                         testing::backend_test_name);

}  // namespace
}  // namespace portico::net
