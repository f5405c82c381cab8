// Tests for the Prometheus view of the status report, checked by a parser of the format.
#include <gtest/gtest.h>

#include "server/status_report.h"
#include "unit/http/prometheus_text_parser.h"
#include "unit/server/status_report_fixture.h"

namespace portico::server {
namespace {

using portico::testing::parse_prometheus_text;

TEST(StatusMetricsTest, IsValidExpositionText) {
  auto doc = parse_prometheus_text(status_metrics(testing::sample_report()));
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.families.at("portico_http_requests_total").type, "counter");
  EXPECT_EQ(doc.families.at("portico_http_request_duration_seconds").type, "histogram");
  EXPECT_EQ(doc.families.at("portico_connections").type, "gauge");
}

TEST(StatusMetricsTest, CountsRequestsByCodeMethodAndSite) {
  auto doc = parse_prometheus_text(status_metrics(testing::sample_report()));
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.value("portico_http_requests_total",
                      {{"code", "200"}, {"method", "GET"}, {"site", "default"}}),
            5);
  // The awkward site name survives escaping.
  EXPECT_EQ(doc.value("portico_http_requests_total",
                      {{"code", "501"}, {"method", "other"}, {"site", "we\"ird\\site\n"}}),
            1);
}

TEST(StatusMetricsTest, HistogramBucketsAreCumulativeAndMatchTheCount) {
  auto doc = parse_prometheus_text(status_metrics(testing::sample_report()));
  ASSERT_EQ(doc.error, "");  // the parser checks cumulative buckets and +Inf == _count
  EXPECT_EQ(doc.value("portico_http_request_duration_seconds_bucket", {{"le", "0.0005"}}), 5);
  EXPECT_EQ(doc.value("portico_http_request_duration_seconds_bucket", {{"le", "1"}}), 5);
  EXPECT_EQ(doc.value("portico_http_request_duration_seconds_bucket", {{"le", "2.5"}}), 6);
  EXPECT_EQ(doc.value("portico_http_request_duration_seconds_count"), 6);
  EXPECT_DOUBLE_EQ(*doc.value("portico_http_request_duration_seconds_sum"), 2.0015);
}

TEST(StatusMetricsTest, ReportsConnectionsListenersAndConfig) {
  auto doc = parse_prometheus_text(status_metrics(testing::sample_report()));
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.value("portico_connections", {{"state", "writing"}}), 1);
  EXPECT_EQ(doc.value("portico_connections", {{"state", "idle"}}), 0);
  EXPECT_EQ(doc.value("portico_tcp_connections", {{"state", "CLOSE_WAIT"}}), 1);
  EXPECT_EQ(doc.value("portico_tcp_connections", {{"state", "ESTABLISHED"}}), 0);
  EXPECT_EQ(doc.value("portico_listener_accept_queue", {{"listener", "127.0.0.1:8080"}}), 3);
  EXPECT_EQ(doc.value("portico_listener_backlog", {{"listener", "127.0.0.1:8080"}}), 1022);
  EXPECT_EQ(doc.value("portico_http_requests_in_flight"), 1);
  EXPECT_EQ(doc.value("portico_config_generation"), 1);
  EXPECT_EQ(doc.value("portico_config_last_reload_success"), 1);
  EXPECT_EQ(doc.value("portico_build_info", {{"version", "0.1.0"}}), 1);
}

TEST(StatusMetricsTest, ReportsUpstreamServers) {
  auto doc = parse_prometheus_text(status_metrics(testing::sample_report()));
  ASSERT_EQ(doc.error, "");
  std::map<std::string, std::string> labels = {{"pool", "api"}, {"server", "10.0.0.1:9000"}};
  EXPECT_EQ(doc.value("portico_upstream_up", labels), 0);
  EXPECT_EQ(doc.value("portico_upstream_active_requests", labels), 4);
  EXPECT_EQ(doc.value("portico_upstream_picks_total", labels), 99);
  EXPECT_EQ(doc.value("portico_upstream_failures_total", labels), 7);
  EXPECT_EQ(
      parse_prometheus_text(status_metrics(StatusReport{})).families.count("portico_upstream_up"),
      0u);
}

TEST(StatusMetricsTest, AFailedReloadShowsAsZero) {
  StatusReport r = testing::sample_report();
  r.reload.last_result = "failed";
  auto doc = parse_prometheus_text(status_metrics(r));
  EXPECT_EQ(doc.value("portico_config_last_reload_success"), 0);
}

TEST(StatusMetricsTest, AnEmptyServerIsStillValid) {
  auto doc = parse_prometheus_text(status_metrics(StatusReport{}));
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.value("portico_http_request_duration_seconds_count"), 0);
}

}  // namespace
}  // namespace portico::server
