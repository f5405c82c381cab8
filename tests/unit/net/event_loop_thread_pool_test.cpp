// Tests for EventLoopThreadPool: one running loop per thread, round-robin, stop.
#include "portico/net/event_loop_thread_pool.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "unit/net/net_test_util.h"

namespace portico::net {
namespace {

TEST(EventLoopThreadPool, StartsOneRunningLoopPerThread) {
  EventLoopThreadPool pool(Backend::kPoll, 3);
  pool.start();
  auto loops = pool.loops();
  ASSERT_EQ(loops.size(), 3u);
  std::set<std::thread::id> threads;
  for (EventLoop* loop : loops) {
    EXPECT_TRUE(loop->running());
    EXPECT_EQ(loop->backend(), Backend::kPoll);
    std::thread::id id;
    loop->run_in_loop_and_wait([&] { id = std::this_thread::get_id(); });
    threads.insert(id);
  }
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(EventLoopThreadPool, HandsOutLoopsRoundRobin) {
  EventLoopThreadPool pool(Backend::kEpoll, 2);
  EXPECT_EQ(pool.next(), nullptr);
  pool.start();
  EventLoop* a = pool.next();
  EventLoop* b = pool.next();
  EXPECT_NE(a, b);
  EXPECT_EQ(pool.next(), a);
  EXPECT_EQ(pool.next(), b);
}

TEST(EventLoopThreadPool, NonPositiveSizeMeansOneThreadPerCpu) {
  EventLoopThreadPool pool(Backend::kEpoll, 0);
  EXPECT_GE(pool.size(), 1);
}

TEST(EventLoopThreadPool, StopRunsTasksPostedBeforeItAndIsIdempotent) {
  EventLoopThreadPool pool(Backend::kEpoll, 2);
  pool.start();
  std::atomic<int> ran{0};
  for (EventLoop* loop : pool.loops()) {
    for (int i = 0; i < 100; ++i) loop->post([&] { ++ran; });
  }
  pool.stop();
  EXPECT_EQ(ran.load(), 200);
  pool.stop();
  EXPECT_TRUE(pool.loops().empty());
}

}  // namespace
}  // namespace portico::net
