// A latency histogram with log-linear buckets (about 6 % relative error from 1 us to a day),
// for percentile estimates that can be added and subtracted (per worker, per time window).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace portico::http {

// Buckets: values 0..15 us have a bucket each; above, every power of two is split into
// kSubBuckets equal parts, so a bucket's width is at most 1/kSubBuckets of its lower bound.
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 4;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;  // 16 per octave
  static constexpr int kMaxExponent = 37;                  // 2^37 us ~ 38 hours; larger clamps
  static constexpr size_t kBuckets =
      kSubBuckets + static_cast<size_t>(kMaxExponent - kSubBucketBits) * kSubBuckets;

  // The bucket a value (microseconds) falls in, and a bucket's bounds [lower, upper).
  static size_t bucket_of(uint64_t us);
  static uint64_t lower_bound(size_t bucket);
  static uint64_t upper_bound(size_t bucket);

  void add(uint64_t us, uint64_t n = 1);
  void add_bucket(size_t bucket, uint64_t n) { counts_[bucket] += n; }
  // Element-wise; subtract() is for two cumulative snapshots (later minus earlier), so no
  // count goes below zero (clamped if it would).
  void merge(const LatencyHistogram& other);
  void subtract(const LatencyHistogram& earlier);

  uint64_t count() const;
  uint64_t bucket_count(size_t bucket) const { return counts_[bucket]; }
  // The value below which a fraction q (0..1) of the samples lie, interpolated linearly inside
  // the bucket that holds the rank (the "nearest rank" sample, ceil(q * count)); 0 when empty.
  double quantile(double q) const;

 private:
  std::array<uint64_t, kBuckets> counts_{};
};

}  // namespace portico::http
