// Tests for the last-minute rate and percentile window.
#include "portico/http/request_window.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(RequestWindowTest, OneSnapshotIsAnEmptyWindow) {
  RequestWindow w;
  w.add(1000, 50, LatencyHistogram());
  WindowStats s = w.stats();
  EXPECT_EQ(s.requests, 0u);
  EXPECT_EQ(s.per_second, 0);
}

TEST(RequestWindowTest, RateIsRequestsOverTheCoveredSeconds) {
  RequestWindow w;
  LatencyHistogram h;
  w.add(0, 0, h);
  h.add(100, 30);
  w.add(10'000, 30, h);
  WindowStats s = w.stats();
  EXPECT_DOUBLE_EQ(s.seconds, 10);
  EXPECT_EQ(s.requests, 30u);
  EXPECT_DOUBLE_EQ(s.per_second, 3);
  EXPECT_NEAR(s.p50_us, 100, 100.0 / 16);
}

TEST(RequestWindowTest, OlderRequestsLeaveTheWindow) {
  RequestWindow w(60'000);
  LatencyHistogram h;
  w.add(0, 0, h);
  h.add(50'000, 100);  // slow requests in the first second
  w.add(1000, 100, h);
  for (int64_t t = 2000; t <= 61'000; t += 1000) w.add(t, 100, h);
  h.add(200, 10);  // fast ones at the end
  w.add(62'000, 110, h);
  WindowStats s = w.stats();
  EXPECT_DOUBLE_EQ(s.seconds, 60);  // from the snapshot at 2000 ms: exactly a minute
  EXPECT_EQ(s.requests, 10u);
  EXPECT_NEAR(s.p99_us, 200, 200.0 / 16);
}

TEST(RequestWindowTest, PercentilesComeFromTheWindowOnly) {
  RequestWindow w(60'000);
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i) h.add(static_cast<uint64_t>(i));  // 1..100 us before
  w.add(0, 100, h);
  for (int i = 0; i < 90; ++i) h.add(10);
  for (int i = 0; i < 10; ++i) h.add(1000);
  w.add(1000, 200, h);
  WindowStats s = w.stats();
  EXPECT_EQ(s.requests, 100u);
  EXPECT_EQ(s.p50_us, 10);
  EXPECT_EQ(s.p90_us, 10);
  EXPECT_NEAR(s.p99_us, 1000, 1000.0 / 16);
}

}  // namespace
}  // namespace portico::http
