// Tests for SnapshotCell: per-thread cached snapshots, refreshed after publish().
#include "server/daemon_snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace portico::server {
namespace {

TEST(SnapshotCell, IsEmptyBeforeTheFirstPublish) {
  SnapshotCell<int> cell;
  EXPECT_EQ(cell.current(), nullptr);
  EXPECT_EQ(cell.get(), nullptr);
}

TEST(SnapshotCell, ReturnsTheLatestSnapshotAndThePreviousOneFromPublish) {
  SnapshotCell<int> cell;
  EXPECT_EQ(cell.publish(std::make_shared<const int>(1)), nullptr);
  EXPECT_EQ(*cell.current(), 1);
  std::shared_ptr<const int> old = cell.publish(std::make_shared<const int>(2));
  EXPECT_EQ(*old, 1);
  EXPECT_EQ(*cell.current(), 2);
  EXPECT_EQ(*cell.get(), 2);
}

TEST(SnapshotCell, KeepsAnOldSnapshotAliveUntilTheThreadRefreshes) {
  SnapshotCell<int> cell;
  cell.publish(std::make_shared<const int>(1));
  std::weak_ptr<const int> first = cell.current();
  cell.publish(std::make_shared<const int>(2));
  EXPECT_FALSE(first.expired());  // this thread's cache still holds it
  cell.refresh_this_thread();
  EXPECT_TRUE(first.expired());
  SnapshotCell<int>::forget_this_thread();
}

TEST(SnapshotCell, KeepsTwoCellsApart) {
  SnapshotCell<int> a;
  SnapshotCell<int> b;
  a.publish(std::make_shared<const int>(1));
  b.publish(std::make_shared<const int>(2));
  EXPECT_EQ(*a.current(), 1);
  EXPECT_EQ(*b.current(), 2);
  EXPECT_EQ(*a.current(), 1);
  SnapshotCell<int>::forget_this_thread();
}

TEST(SnapshotCell, ReadersSeeOnlyWholeSnapshotsWhilePublishing) {
  struct Pair {
    int a;
    int b;
  };
  SnapshotCell<Pair> cell;
  cell.publish(std::make_shared<const Pair>(Pair{0, 0}));
  std::atomic<bool> done{false};
  std::atomic<long> torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const auto& p = cell.current();
        if (p->a != p->b) torn.fetch_add(1);
      }
      SnapshotCell<Pair>::forget_this_thread();
    });
  }
  for (int i = 1; i <= 2000; ++i) cell.publish(std::make_shared<const Pair>(Pair{i, i}));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(cell.get()->a, 2000);
}

}  // namespace
}  // namespace portico::server
