// Request counters for metrics and the status page: requests by site, method and status code,
// bytes in and out, and request durations, kept per worker thread and summed when read, so
// recording a request takes no lock and writes only memory its own thread owns.
//
//   RequestMetrics metrics;
//   uint32_t site = metrics.intern_site("example.test");       // at config time
//   metrics.record({.site = site, .method = Method::kGet, .code = 200, .duration_us = 180});
//   RequestCounts now = metrics.snapshot();                      // any thread, any time
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/latency_histogram.h"
#include "portico/http/method.h"

namespace portico::http {

// Upper bounds (seconds) of the request duration histogram's buckets as exposed to
// Prometheus (the conventional latency scale; +Inf is implied).
inline constexpr std::array<double, 14> kDurationBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// One answered request.
struct RequestSample {
  uint32_t site = 0;  // from RequestMetrics::intern_site (0: the first name interned)
  Method method = Method::kOther;
  uint16_t code = 0;         // status code, 100..599 (others count only in the totals)
  uint64_t duration_us = 0;  // request head complete to response complete
  uint64_t bytes_in = 0;     // request head and body
  uint64_t bytes_out = 0;    // response body
};

// The sum over every worker at one moment (each counter is read atomically; counters of
// different workers are not one transaction, which monotonic counters do not need).
struct RequestCounts {
  struct Entry {
    uint32_t site = 0;
    Method method = Method::kOther;
    uint16_t code = 0;
    uint64_t count = 0;
  };
  std::vector<std::string> site_names;  // index = RequestSample::site
  std::vector<Entry> requests;          // non-zero entries, by site, method, code
  uint64_t total = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  // Per kDurationBucketsSeconds bucket (not cumulative), the last one for +Inf.
  std::array<uint64_t, kDurationBucketsSeconds.size() + 1> duration_buckets{};
  uint64_t duration_sum_us = 0;
  LatencyHistogram latency;  // the same durations, fine-grained for percentiles
};

class RequestMetrics {
 public:
  // Sites beyond this share the last label, "other" (a label set per site must stay bounded).
  static constexpr uint32_t kMaxSites = 64;

  RequestMetrics();
  ~RequestMetrics();
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // The index for a site name, the same for the same name (thread-safe; takes a lock: call it
  // when building configuration, not per request).
  uint32_t intern_site(std::string_view name);

  // Counts one request on the calling thread's counters. The first call on a thread registers
  // its counters (a lock, once); later calls are plain stores to memory only this thread writes.
  void record(const RequestSample& sample);

  // Thread-safe.
  RequestCounts snapshot() const;

 private:
  struct Shard;
  Shard& shard_for_this_thread();

  const uint64_t id_;  // process-unique, keys the per-thread shard cache
  mutable std::mutex mutex_;
  std::vector<std::string> sites_;              // guarded by mutex_
  std::vector<std::unique_ptr<Shard>> shards_;  // guarded by mutex_; one per recording thread
};

}  // namespace portico::http
