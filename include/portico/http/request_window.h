// Requests per second and latency percentiles over the last minute, from cumulative snapshots
// of the request counters taken once a second (the difference of two cumulative histograms is
// the histogram of the requests in between).
#pragma once

#include <cstdint>
#include <deque>

#include "portico/http/latency_histogram.h"

namespace portico::http {

struct WindowStats {
  double seconds = 0;     // length of the window actually covered (< 60 just after start)
  uint64_t requests = 0;  // answered within it
  double per_second = 0;  // requests / seconds (0 for an empty window)
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
};

class RequestWindow {
 public:
  explicit RequestWindow(int64_t window_ms = 60'000) : window_ms_(window_ms) {}

  // A cumulative snapshot at now_ms (monotonic, non-decreasing between calls). Snapshots
  // older than the window (except the one that marks its start) are dropped.
  void add(int64_t now_ms, uint64_t total, const LatencyHistogram& latency);
  // The window ending at the newest snapshot.
  WindowStats stats() const;

 private:
  struct Point {
    int64_t ms;
    uint64_t total;
    LatencyHistogram latency;
  };
  int64_t window_ms_;
  std::deque<Point> points_;
};

}  // namespace portico::http
