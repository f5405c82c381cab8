// Writes the Prometheus text exposition format, version 0.0.4: metric families with HELP and
// TYPE lines, samples with escaped label values.
//
//   PrometheusWriter w;
//   w.family("portico_http_requests_total", "counter", "HTTP requests answered.");
//   w.sample("portico_http_requests_total", {{"code", "200"}, {"method", "GET"}}, 12);
//   std::string body = w.take();   // served as kPrometheusContentType
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::http {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

using MetricLabels = std::vector<std::pair<std::string_view, std::string_view>>;

class PrometheusWriter {
 public:
  // "# HELP name help" and "# TYPE name type" (counter, gauge, histogram, summary, untyped).
  // Once per family, before its samples.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // name{l1="v1",l2="v2"} value
  void sample(std::string_view name, const MetricLabels& labels, uint64_t value);
  void sample(std::string_view name, const MetricLabels& labels, double value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // True for names matching [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':').
  static bool valid_metric_name(std::string_view name);
  static bool valid_label_name(std::string_view name);
  // The format's value spelling: integers as digits, "+Inf", "-Inf", "NaN", else shortest
  // round-trip decimal.
  static std::string format_value(double value);

 private:
  void labels(const MetricLabels& labels);
  std::string out_;
};

}  // namespace portico::http
