// Tests for the access log formats: combined, common, JSON and $variable templates.
#include "server/access_log_format.h"

#include <gtest/gtest.h>

namespace portico::server {
namespace {

// An entry with a request whose views point into this object.
class Sample {
 public:
  explicit Sample(std::string user_agent = "curl/8.0") : user_agent_(std::move(user_agent)) {
    head_.method = http::Method::kGet;
    head_.method_token = "GET";
    head_.target = "/a?b=1";
    head_.path = "/a";
    head_.query = "b=1";
    head_.host = "example.test";
    head_.headers.push_back({"Host", "example.test"});
    head_.headers.push_back({"User-Agent", user_agent_});
    head_.headers.push_back({"X-Request-Id", "r-1"});
    info_.peer = *net::InetAddress::parse("192.0.2.7:51234");
    info_.local = *net::InetAddress::parse("127.0.0.1:8080");
    info_.connection_id = 42;
    request_ = std::make_unique<http::Request>(head_, std::string_view(), info_);
    entry_.request = request_.get();
    entry_.status = http::Status::kOk;
    entry_.body_bytes = 612;
    entry_.start_unix_ms = 1'795'764'600'123;  // 2026-11-27T07:30:00.123Z
    entry_.duration_us = 1500;
    entry_.peer = &info_.peer;
  }
  Sample(const Sample&) = delete;
  const http::AccessLogEntry& entry() const { return entry_; }
  void set_request_id(std::string id) { info_.request_id = std::move(id); }

 private:
  std::string user_agent_;
  http::RequestHead head_;
  http::ConnectionInfo info_;
  std::unique_ptr<http::Request> request_;
  http::AccessLogEntry entry_;
};

TEST(AccessLogFormat, WritesCombinedLines) {
  Sample s;
  std::string line;
  append_combined_line(line, s.entry());
  EXPECT_EQ(line,
            "192.0.2.7 - - [27/Nov/2026:07:30:00 +0000] \"GET /a?b=1 HTTP/1.1\" 200 612 \"-\" "
            "\"curl/8.0\" 0.002\n");
}

TEST(AccessLogFormat, WritesCommonLines) {
  Sample s;
  std::string line;
  append_common_line(line, s.entry());
  EXPECT_EQ(line, "192.0.2.7 - - [27/Nov/2026:07:30:00 +0000] \"GET /a?b=1 HTTP/1.1\" 200 612\n");
}

TEST(AccessLogFormat, EscapesQuotesAndControlBytes) {
  Sample s("evil\" \"x\n");
  std::string line;
  append_combined_line(line, s.entry());
  EXPECT_NE(line.find("\"evil\\x22 \\x22x\\x0a\""), std::string::npos) << line;
}

TEST(AccessLogFormat, WritesJsonLines) {
  Sample s("a\"b\\c\x01 caf\xc3\xa9 \xff");
  std::string line;
  append_json_line(line, s.entry());
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-27T07:30:00.123Z\",\"remote_addr\":\"192.0.2.7\","
            "\"remote_port\":51234,\"method\":\"GET\",\"uri\":\"/a?b=1\",\"protocol\":"
            "\"HTTP/1.1\",\"host\":\"example.test\",\"status\":200,\"body_bytes\":612,"
            "\"request_time\":0.002,\"referer\":\"\",\"user_agent\":\"a\\\"b\\\\c\\u0001 "
            "caf\xc3\xa9 \\ufffd\",\"scheme\":\"http\"}\n");
}

TEST(AccessLogFormat, WritesLinesForUnparsedRequests) {
  http::AccessLogEntry e;
  e.status = http::Status::kBadRequest;
  std::string line;
  append_json_line(line, e);
  EXPECT_NE(line.find("\"method\":\"\""), std::string::npos);
  line.clear();
  append_combined_line(line, e);
  EXPECT_NE(line.find("\"-\" 400 0"), std::string::npos) << line;
}

TEST(AccessLogTemplate, ExpandsVariablesAndRequestFields) {
  std::string why;
  auto t = AccessLogTemplate::parse(
      "$remote_addr:$remote_port $request_method ${uri}?$args $status $body_bytes_sent "
      "$request_time_us $host $http_x_request_id $http_missing $connection $$",
      &why);
  ASSERT_TRUE(t) << why;
  Sample s;
  std::string line;
  t->append(line, s.entry());
  EXPECT_EQ(line, "192.0.2.7:51234 GET /a?b=1 200 612 1500 example.test r-1 - 42 $\n");
}

TEST(AccessLogTemplate, ExpandsTheRequestId) {
  std::string why;
  auto t = AccessLogTemplate::parse("$status $request_id", &why);
  ASSERT_TRUE(t) << why;
  Sample s;
  s.set_request_id("5f0c9a2e-2a-0");
  std::string line;
  t->append(line, s.entry());
  EXPECT_EQ(line, "200 5f0c9a2e-2a-0\n");
  line.clear();
  t->append(line, http::AccessLogEntry{.status = http::Status::kBadRequest});
  EXPECT_EQ(line, "400 -\n");
}

TEST(AccessLogFormat, JsonLinesCarryTheRequestId) {
  Sample s;
  s.set_request_id("abc-1");
  std::string line;
  append_json_line(line, s.entry());
  EXPECT_NE(line.find(",\"request_id\":\"abc-1\""), std::string::npos) << line;
}

TEST(AccessLogTemplate, RejectsUnknownVariablesWithAHint) {
  std::string why;
  EXPECT_FALSE(AccessLogTemplate::parse("$remote_adr", &why));
  EXPECT_EQ(why, "unknown variable '$remote_adr' (did you mean '$remote_addr'?)");
  EXPECT_FALSE(AccessLogTemplate::parse("cost: $", &why));
  EXPECT_EQ(why, "'$' without a variable name (write '$$' for a literal '$')");
  EXPECT_FALSE(AccessLogTemplate::parse("${status", &why));
  EXPECT_EQ(why, "unclosed '${' at offset 0");
}

TEST(AccessLogFormatter, UsesTheConfiguredFormat) {
  Sample s;
  std::string json;
  AccessLogFormatter(AccessLogFormat::kJson, "").append(json, s.entry());
  EXPECT_EQ(json.front(), '{');
  std::string custom;
  AccessLogFormatter(AccessLogFormat::kCustom, "$status").append(custom, s.entry());
  EXPECT_EQ(custom, "200\n");
  EXPECT_THROW(AccessLogFormatter(AccessLogFormat::kCustom, "$nope"), std::invalid_argument);
}

}  // namespace
}  // namespace portico::server
