// Tests for the per-thread request counters and their snapshot.
#include "portico/http/request_metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace portico::http {
namespace {

uint64_t count_of(const RequestCounts& c, uint32_t site, Method m, uint16_t code) {
  for (const auto& e : c.requests) {
    if (e.site == site && e.method == m && e.code == code) return e.count;
  }
  return 0;
}

TEST(RequestMetricsTest, InternsSiteNamesStably) {
  RequestMetrics m;
  EXPECT_EQ(m.intern_site("default"), 0u);
  EXPECT_EQ(m.intern_site("example.test"), 1u);
  EXPECT_EQ(m.intern_site("default"), 0u);
  EXPECT_EQ(m.snapshot().site_names, (std::vector<std::string>{"default", "example.test"}));
}

TEST(RequestMetricsTest, TooManySitesShareTheOtherLabel) {
  RequestMetrics m;
  for (uint32_t i = 0; i < RequestMetrics::kMaxSites - 1; ++i) {
    EXPECT_EQ(m.intern_site("s" + std::to_string(i)), i);
  }
  EXPECT_EQ(m.intern_site("one-more"), RequestMetrics::kMaxSites - 1);
  EXPECT_EQ(m.intern_site("and-another"), RequestMetrics::kMaxSites - 1);
  EXPECT_EQ(m.snapshot().site_names.back(), "other");
}

TEST(RequestMetricsTest, CountsBySiteMethodAndCode) {
  RequestMetrics m;
  uint32_t a = m.intern_site("a");
  uint32_t b = m.intern_site("b");
  for (int i = 0; i < 5; ++i) m.record({.site = a, .method = Method::kGet, .code = 200});
  m.record({.site = a, .method = Method::kHead, .code = 200});
  m.record({.site = b, .method = Method::kGet, .code = 404});
  m.record({.site = b, .method = Method::kOther, .code = 501});
  RequestCounts c = m.snapshot();
  EXPECT_EQ(c.total, 8u);
  EXPECT_EQ(count_of(c, a, Method::kGet, 200), 5u);
  EXPECT_EQ(count_of(c, a, Method::kHead, 200), 1u);
  EXPECT_EQ(count_of(c, b, Method::kGet, 404), 1u);
  EXPECT_EQ(count_of(c, b, Method::kOther, 501), 1u);
  EXPECT_EQ(c.requests.size(), 4u);  // only non-zero label sets
}

TEST(RequestMetricsTest, SumsBytesAndDurations) {
  RequestMetrics m;
  m.record({.code = 200, .duration_us = 300, .bytes_in = 100, .bytes_out = 1000});
  m.record({.code = 200, .duration_us = 2'000'000, .bytes_in = 50, .bytes_out = 0});
  m.record({.code = 200, .duration_us = 60'000'000});
  RequestCounts c = m.snapshot();
  EXPECT_EQ(c.bytes_in, 150u);
  EXPECT_EQ(c.bytes_out, 1000u);
  EXPECT_EQ(c.duration_sum_us, 62'000'300u);
  // 300 us <= 0.0005 s; 2 s <= 2.5 s; 60 s only in +Inf.
  EXPECT_EQ(c.duration_buckets[0], 1u);
  EXPECT_EQ(c.duration_buckets[11], 1u);
  EXPECT_EQ(c.duration_buckets.back(), 1u);
  EXPECT_EQ(c.latency.count(), 3u);
}

TEST(RequestMetricsTest, BucketBoundsAreInclusive) {
  RequestMetrics m;
  m.record({.code = 200, .duration_us = 1000});  // exactly 1 ms: le="0.001"
  EXPECT_EQ(m.snapshot().duration_buckets[1], 1u);
}

TEST(RequestMetricsTest, CodesOutsideTheRangeCountOnlyInTotals) {
  RequestMetrics m;
  m.record({.code = 99});
  m.record({.code = 600});
  RequestCounts c = m.snapshot();
  EXPECT_EQ(c.total, 2u);
  EXPECT_TRUE(c.requests.empty());
}

TEST(RequestMetricsTest, ThreadsCountIntoTheirOwnShardsAndTheSnapshotSumsThem) {
  RequestMetrics m;
  uint32_t site = m.intern_site("default");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, site] {
      for (int i = 0; i < kPerThread; ++i) {
        m.record({.site = site, .method = Method::kGet, .code = 200, .bytes_out = 1});
      }
    });
  }
  // Reading while they write is allowed (relaxed atomics) and never goes backwards.
  uint64_t last = 0;
  for (int i = 0; i < 50; ++i) {
    uint64_t now = m.snapshot().total;
    EXPECT_GE(now, last);
    last = now;
  }
  for (auto& t : threads) t.join();
  RequestCounts c = m.snapshot();
  EXPECT_EQ(c.total, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(count_of(c, site, Method::kGet, 200), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(c.bytes_out, uint64_t{kThreads} * kPerThread);
}

TEST(RequestMetricsTest, TwoInstancesOnOneThreadKeepSeparateCounts) {
  RequestMetrics a;
  RequestMetrics b;
  a.record({.code = 200});
  b.record({.code = 200});
  a.record({.code = 200});
  EXPECT_EQ(a.snapshot().total, 2u);
  EXPECT_EQ(b.snapshot().total, 1u);
}

}  // namespace
}  // namespace portico::http
