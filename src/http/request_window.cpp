// The last minute's rate and percentiles as the difference of two cumulative snapshots.
#include "portico/http/request_window.h"

namespace portico::http {

void RequestWindow::add(int64_t now_ms, uint64_t total, const LatencyHistogram& latency) {
  points_.push_back(Point{now_ms, total, latency});
  // Keep the newest point at or before now - window: it is where the window starts.
  while (points_.size() >= 2 && points_[1].ms <= now_ms - window_ms_) points_.pop_front();
}

WindowStats RequestWindow::stats() const {
  WindowStats out;
  if (points_.size() < 2) return out;
  const Point& first = points_.front();
  const Point& last = points_.back();
  out.seconds = static_cast<double>(last.ms - first.ms) / 1000.0;
  out.requests = last.total >= first.total ? last.total - first.total : 0;
  if (out.seconds > 0) out.per_second = static_cast<double>(out.requests) / out.seconds;
  LatencyHistogram window = last.latency;
  window.subtract(first.latency);
  out.p50_us = window.quantile(0.50);
  out.p90_us = window.quantile(0.90);
  out.p99_us = window.quantile(0.99);
  return out;
}

}  // namespace portico::http
