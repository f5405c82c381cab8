// Tests for the Prometheus text writer, checked by a parser written from the format's grammar.
#include "portico/http/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "unit/http/prometheus_text_parser.h"

namespace portico::http {
namespace {

using testing::parse_prometheus_text;

TEST(PrometheusWriterTest, WritesHelpTypeAndSamplesThatParse) {
  PrometheusWriter w;
  w.family("portico_http_requests_total", "counter", "HTTP requests answered.");
  w.sample("portico_http_requests_total", {{"code", "200"}, {"method", "GET"}}, uint64_t{12});
  w.sample("portico_http_requests_total", {{"code", "404"}, {"method", "HEAD"}}, uint64_t{3});
  w.family("portico_uptime_seconds", "gauge", "Seconds since start.");
  w.sample("portico_uptime_seconds", {}, 1.5);
  auto doc = parse_prometheus_text(w.text());
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.families.at("portico_http_requests_total").type, "counter");
  EXPECT_EQ(doc.families.at("portico_http_requests_total").help, "HTTP requests answered.");
  EXPECT_EQ(doc.value("portico_http_requests_total", {{"code", "200"}, {"method", "GET"}}), 12);
  EXPECT_EQ(doc.value("portico_http_requests_total", {{"code", "404"}, {"method", "HEAD"}}), 3);
  EXPECT_EQ(doc.value("portico_uptime_seconds"), 1.5);
}

TEST(PrometheusWriterTest, SampleLineIsExactlyNameLabelsSpaceValue) {
  PrometheusWriter w;
  w.sample("a_total", {{"x", "1"}, {"y", "2"}}, uint64_t{7});
  w.sample("b", {}, uint64_t{18446744073709551615u});
  EXPECT_EQ(w.text(), "a_total{x=\"1\",y=\"2\"} 7\nb 18446744073709551615\n");
}

TEST(PrometheusWriterTest, EscapesBackslashQuoteAndLineFeedInLabelValues) {
  PrometheusWriter w;
  w.family("m", "gauge", "help");
  std::string nasty = "a\\b\"c\nd}e,f=g";
  w.sample("m", {{"site", nasty}}, uint64_t{1});
  EXPECT_NE(w.text().find("m{site=\"a\\\\b\\\"c\\nd}e,f=g\"} 1\n"), std::string::npos);
  auto doc = parse_prometheus_text(w.text());
  ASSERT_EQ(doc.error, "");
  ASSERT_EQ(doc.samples.size(), 1u);
  EXPECT_EQ(doc.samples[0].labels.at("site"), nasty);
}

TEST(PrometheusWriterTest, EscapesBackslashAndLineFeedInHelpButNotQuotes) {
  PrometheusWriter w;
  w.family("m", "counter", "two\nlines \"quoted\" back\\slash");
  EXPECT_EQ(w.text(), "# HELP m two\\nlines \"quoted\" back\\\\slash\n# TYPE m counter\n");
  auto doc = parse_prometheus_text(w.text());
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.families.at("m").help, "two\nlines \"quoted\" back\\slash");
}

TEST(PrometheusWriterTest, FormatsSpecialAndFractionalValues) {
  EXPECT_EQ(PrometheusWriter::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(PrometheusWriter::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(PrometheusWriter::format_value(std::nan("")), "NaN");
  EXPECT_EQ(PrometheusWriter::format_value(0.0025), "0.0025");
  EXPECT_EQ(PrometheusWriter::format_value(10), "10");
  EXPECT_EQ(PrometheusWriter::format_value(0.0005), "0.0005");
  EXPECT_EQ(PrometheusWriter::format_value(1795776840.795), "1795776840.795");
  EXPECT_EQ(PrometheusWriter::format_value(1e-7), "1e-07");
  auto doc = parse_prometheus_text("x 1e-07\ny +Inf\nz NaN\n");
  ASSERT_EQ(doc.error, "");
  EXPECT_EQ(doc.value("x"), 1e-7);
}

TEST(PrometheusWriterTest, ValidatesMetricAndLabelNames) {
  EXPECT_TRUE(PrometheusWriter::valid_metric_name("portico_http_requests_total"));
  EXPECT_TRUE(PrometheusWriter::valid_metric_name("job:rate5m"));
  EXPECT_FALSE(PrometheusWriter::valid_metric_name("2xx"));
  EXPECT_FALSE(PrometheusWriter::valid_metric_name("a-b"));
  EXPECT_FALSE(PrometheusWriter::valid_metric_name(""));
  EXPECT_TRUE(PrometheusWriter::valid_label_name("le"));
  EXPECT_FALSE(PrometheusWriter::valid_label_name("a:b"));
}

// The test parser itself must reject what a scraper rejects, or it proves nothing.
TEST(PrometheusTextParserTest, RejectsMalformedDocuments) {
  EXPECT_NE(parse_prometheus_text("m 1").error, "");                    // no final line feed
  EXPECT_NE(parse_prometheus_text("m{a=\"1} 1\n").error, "");           // unterminated value
  EXPECT_NE(parse_prometheus_text("m{a=\"\\x\"} 1\n").error, "");       // unknown escape
  EXPECT_NE(parse_prometheus_text("m{a=1} 1\n").error, "");             // unquoted
  EXPECT_NE(parse_prometheus_text("m one\n").error, "");                // bad value
  EXPECT_NE(parse_prometheus_text("m 1\nn 1\nm 2\n").error, "");        // family split
  EXPECT_NE(parse_prometheus_text("m 1\n# TYPE m gauge\n").error, "");  // TYPE after samples
  EXPECT_NE(parse_prometheus_text("# TYPE m thing\n").error, "");
  EXPECT_NE(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                  "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
                .error,
            "");  // not cumulative
  EXPECT_NE(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n"
                                  "h_count 1\n")
                .error,
            "");  // count != +Inf
  EXPECT_EQ(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                                  "h_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n")
                .error,
            "");
}

}  // namespace
}  // namespace portico::http
