// Log-linear latency buckets and the percentile estimate over them.
#include "portico/http/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace portico::http {

size_t LatencyHistogram::bucket_of(uint64_t us) {
  if (us < static_cast<uint64_t>(kSubBuckets)) return static_cast<size_t>(us);
  int exponent = std::bit_width(us) - 1;  // us in [2^exponent, 2^(exponent+1))
  if (exponent >= kMaxExponent) return kBuckets - 1;
  int shift = exponent - kSubBucketBits;
  // The kSubBucketBits bits under the leading one pick the part of the octave.
  uint64_t sub = (us >> shift) & (kSubBuckets - 1);
  return static_cast<size_t>(kSubBuckets + shift * kSubBuckets) + static_cast<size_t>(sub);
}

uint64_t LatencyHistogram::lower_bound(size_t bucket) {
  if (bucket < static_cast<size_t>(kSubBuckets)) return bucket;
  size_t rel = bucket - kSubBuckets;
  int shift = static_cast<int>(rel / kSubBuckets);
  uint64_t sub = rel % kSubBuckets;
  return (static_cast<uint64_t>(kSubBuckets) + sub) << shift;
}

uint64_t LatencyHistogram::upper_bound(size_t bucket) {
  if (bucket + 1 >= kBuckets) return uint64_t{1} << kMaxExponent;
  return lower_bound(bucket + 1);
}

void LatencyHistogram::add(uint64_t us, uint64_t n) { counts_[bucket_of(us)] += n; }

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
}

void LatencyHistogram::subtract(const LatencyHistogram& earlier) {
  for (size_t i = 0; i < kBuckets; ++i) {
    counts_[i] = counts_[i] >= earlier.counts_[i] ? counts_[i] - earlier.counts_[i] : 0;
  }
}

uint64_t LatencyHistogram::count() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

double LatencyHistogram::quantile(double q) const {
  uint64_t total = count();
  if (total == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Nearest rank: the sample at 1-based position ceil(q * total), at least the first.
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * total)));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    uint64_t c = counts_[i];
    if (c == 0) continue;
    if (seen + c >= rank) {
      double lo = static_cast<double>(lower_bound(i));
      double hi = static_cast<double>(upper_bound(i));
      if (i < static_cast<size_t>(kSubBuckets)) return lo;  // exact-value buckets
      // The rank-th sample is assumed to sit at the middle of its share of the bucket.
      double fraction = (static_cast<double>(rank - seen) - 0.5) / static_cast<double>(c);
      return lo + (hi - lo) * fraction;
    }
    seen += c;
  }
  return static_cast<double>(upper_bound(kBuckets - 1));
}

}  // namespace portico::http
