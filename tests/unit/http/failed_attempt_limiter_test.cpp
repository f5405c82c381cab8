// Tests for the per-client failed-login limiter: window, reset on success, bounded table.
#include <gtest/gtest.h>

#include <string>

#include "portico/http/basic_auth.h"

namespace portico::http {
namespace {

TEST(FailedAttemptLimiter, BlocksAfterMaxFailuresUntilTheWindowEnds) {
  FailedAttemptLimiter lim({.max_failures = 3, .window_ms = 60'000});
  lim.record_failure("a", 1000);
  lim.record_failure("a", 2000);
  EXPECT_EQ(lim.blocked_for_ms("a", 2000), 0);
  lim.record_failure("a", 3000);
  EXPECT_EQ(lim.blocked_for_ms("a", 3000), 58'000);  // window started at the first failure
  EXPECT_EQ(lim.blocked_for_ms("b", 3000), 0);       // other clients are not affected
  EXPECT_EQ(lim.blocked_for_ms("a", 61'000), 0);
}

TEST(FailedAttemptLimiter, AFailureAfterTheWindowStartsANewOne) {
  FailedAttemptLimiter lim({.max_failures = 2, .window_ms = 1000});
  lim.record_failure("a", 0);
  lim.record_failure("a", 1500);
  EXPECT_EQ(lim.blocked_for_ms("a", 1500), 0);
  lim.record_failure("a", 1600);
  EXPECT_EQ(lim.blocked_for_ms("a", 1600), 900);
}

TEST(FailedAttemptLimiter, SuccessForgetsTheClient) {
  FailedAttemptLimiter lim({.max_failures = 2, .window_ms = 1000});
  lim.record_failure("a", 0);
  lim.record_success("a");
  lim.record_failure("a", 10);
  EXPECT_EQ(lim.blocked_for_ms("a", 10), 0);
  EXPECT_EQ(lim.size(), 1u);
  lim.record_success("never-seen");
}

TEST(FailedAttemptLimiter, ZeroMaxFailuresDisablesIt) {
  FailedAttemptLimiter lim({.max_failures = 0});
  for (int i = 0; i < 100; ++i) lim.record_failure("a", i);
  EXPECT_EQ(lim.blocked_for_ms("a", 100), 0);
  EXPECT_EQ(lim.size(), 0u);
}

TEST(FailedAttemptLimiter, MemoryIsBoundedByDroppingTheLeastRecent) {
  FailedAttemptLimiter lim({.max_failures = 1, .window_ms = 60'000, .max_clients = 100});
  lim.record_failure("first", 0);
  for (int i = 0; i < 10'000; ++i) lim.record_failure("c" + std::to_string(i), 1);
  EXPECT_EQ(lim.size(), 100u);
  EXPECT_EQ(lim.blocked_for_ms("first", 2), 0);  // dropped
  EXPECT_GT(lim.blocked_for_ms("c9999", 2), 0);  // kept
}

TEST(FailedAttemptLimiter, ARecentFailureKeepsAClientFromBeingDropped) {
  FailedAttemptLimiter lim({.max_failures = 1, .window_ms = 60'000, .max_clients = 3});
  lim.record_failure("a", 0);
  lim.record_failure("b", 0);
  lim.record_failure("c", 0);
  lim.record_failure("a", 1);  // a is now the most recent
  lim.record_failure("d", 2);  // drops b
  EXPECT_GT(lim.blocked_for_ms("a", 3), 0);
  EXPECT_EQ(lim.blocked_for_ms("b", 3), 0);
}

}  // namespace
}  // namespace portico::http
