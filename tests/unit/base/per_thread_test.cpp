// Tests for PerThread<T>: one instance per thread, stable across calls, many objects.
#include "portico/base/per_thread.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace portico {
namespace {

struct Counter {
  int value = 0;
};

PerThread<Counter>::Factory make() {
  return [] { return std::make_unique<Counter>(); };
}

TEST(PerThread, GivesEachThreadItsOwnStableInstance) {
  PerThread<Counter> p(make());
  Counter* mine = &p.local();
  EXPECT_EQ(&p.local(), mine);
  p.local().value = 5;
  Counter* other = nullptr;
  int other_value = -1;
  std::thread([&] {
    other = &p.local();
    other_value = p.local().value;
  }).join();
  EXPECT_NE(other, mine);
  EXPECT_EQ(other_value, 0);
  EXPECT_EQ(p.local().value, 5);
  EXPECT_EQ(p.thread_count(), 2u);
}

TEST(PerThread, ManyObjectsComeAndGoWithoutMixingUp) {
  // More objects than the cache prunes at, destroyed and recreated (addresses get reused).
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<PerThread<Counter>>> objects;
    for (int i = 0; i < 200; ++i) {
      objects.push_back(std::make_unique<PerThread<Counter>>(make()));
      objects.back()->local().value = i;
    }
    for (int i = 0; i < 200; ++i) EXPECT_EQ(objects[i]->local().value, i) << round;
  }
}

}  // namespace
}  // namespace portico
