// Tests for the log-linear latency histogram and its percentile estimate.
#include "portico/http/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace portico::http {
namespace {

TEST(LatencyHistogramTest, SmallValuesHaveExactBuckets) {
  for (uint64_t v = 0; v < 16; ++v) {
    size_t b = LatencyHistogram::bucket_of(v);
    EXPECT_EQ(LatencyHistogram::lower_bound(b), v);
    EXPECT_EQ(LatencyHistogram::upper_bound(b), v + 1);
  }
}

TEST(LatencyHistogramTest, EveryValueLiesInItsBucketAndBucketsAreNarrow) {
  std::vector<uint64_t> values = {
      16,   17,   31,    32,    33,        100,         999,
      1000, 1001, 65535, 65536, 1'000'000, 123'456'789, (uint64_t{1} << 36) + 5};
  for (uint64_t v = 16; v < 5000; v += 7) values.push_back(v);
  for (uint64_t v : values) {
    size_t b = LatencyHistogram::bucket_of(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    uint64_t lo = LatencyHistogram::lower_bound(b);
    uint64_t hi = LatencyHistogram::upper_bound(b);
    EXPECT_LE(lo, v) << v;
    EXPECT_LT(v, hi) << v;
    // Width at most 1/16 of the lower bound: the estimate errs by at most ~6 %.
    EXPECT_LE((hi - lo) * 16, lo) << v;
  }
}

TEST(LatencyHistogramTest, BucketsAreContiguousAndIncreasing) {
  for (size_t b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    EXPECT_EQ(LatencyHistogram::upper_bound(b), LatencyHistogram::lower_bound(b + 1));
    EXPECT_LT(LatencyHistogram::lower_bound(b), LatencyHistogram::lower_bound(b + 1));
  }
}

TEST(LatencyHistogramTest, HugeValuesClampToTheLastBucket) {
  EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::bucket_of(uint64_t{1} << 40), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogramTest, EmptyHistogramHasZeroQuantiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0);
  EXPECT_EQ(h.quantile(0.99), 0);
}

TEST(LatencyHistogramTest, QuantilesOfExactValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 10; ++v) h.add(v);
  EXPECT_EQ(h.quantile(0.5), 5);  // rank ceil(0.5 * 10) = 5
  EXPECT_EQ(h.quantile(0.9), 9);
  EXPECT_EQ(h.quantile(0.99), 10);
  EXPECT_EQ(h.quantile(0), 1);
  EXPECT_EQ(h.quantile(1), 10);
}

TEST(LatencyHistogramTest, QuantilesOfRandomSamplesAreWithinTheBucketError) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(7.0, 1.5);  // median ~1.1 ms, long tail
  std::vector<uint64_t> samples;
  LatencyHistogram h;
  for (int i = 0; i < 20000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng)) + 1;
    samples.push_back(v);
    h.add(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    size_t rank = static_cast<size_t>(std::ceil(q * samples.size()));
    double exact = static_cast<double>(samples[rank - 1]);
    double estimate = h.quantile(q);
    EXPECT_NEAR(estimate, exact, exact / 16 + 1) << "q=" << q;
  }
}

TEST(LatencyHistogramTest, SubtractGivesTheSamplesOfAWindow) {
  LatencyHistogram earlier;
  for (int i = 0; i < 100; ++i) earlier.add(50'000);  // 50 ms, an old slow minute
  LatencyHistogram now = earlier;
  for (int i = 0; i < 100; ++i) now.add(200);  // 200 us since
  LatencyHistogram window = now;
  window.subtract(earlier);
  EXPECT_EQ(window.count(), 100u);
  EXPECT_NEAR(window.quantile(0.99), 200, 200.0 / 16);
  // A later snapshot never has fewer samples, but a reset one must not underflow.
  LatencyHistogram reset;
  reset.subtract(earlier);
  EXPECT_EQ(reset.count(), 0u);
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram a;
  LatencyHistogram b;
  a.add(10, 3);
  b.add(10, 2);
  b.add(1000);
  a.merge(b);
  EXPECT_EQ(a.count(), 6u);
  EXPECT_EQ(a.bucket_count(LatencyHistogram::bucket_of(10)), 5u);
}

}  // namespace
}  // namespace portico::http
