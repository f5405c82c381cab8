// Tests for the JSON view of the status report.
#include <gtest/gtest.h>

#include "server/status_report.h"
#include "unit/server/status_report_fixture.h"

namespace portico::server {
namespace {

TEST(StatusJsonTest, HasTheDocumentedTopLevelKeysInOrder) {
  std::string json = status_json(testing::sample_report());
  size_t last = 0;
  for (const char* key : {"\"version\":", "\"pid\":", "\"time\":", "\"start_time\":",
                          "\"uptime_seconds\":", "\"config\":", "\"requests\":", "\"bytes\":",
                          "\"connections\":", "\"listeners\":", "\"workers\":", "\"upstreams\":"}) {
    size_t at = json.find(key, last);
    ASSERT_NE(at, std::string::npos) << key;
    last = at;
  }
}

TEST(StatusJsonTest, WritesCountsAndRows) {
  std::string json = status_json(testing::sample_report());
  EXPECT_NE(json.find("\"by_status\":{\"200\":5,\"501\":1}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"by_class\":{\"1xx\":0,\"2xx\":5,\"3xx\":0,\"4xx\":0,\"5xx\":1}"),
            std::string::npos);
  EXPECT_NE(json.find("\"start_time\":\"2026-11-27T07:28:20.000Z\""), std::string::npos);
  EXPECT_NE(json.find("\"tcp\":{\"state\":\"CLOSE_WAIT\",\"rtt_ms\":1.234"), std::string::npos);
  EXPECT_NE(json.find("\"by_tcp_state\":{\"ESTABLISHED\":0,\"CLOSE_WAIT\":1}"), std::string::npos);
}

TEST(StatusJsonTest, WritesUpstreams) {
  std::string json = status_json(testing::sample_report());
  EXPECT_NE(json.find("\"upstreams\":[{\"pool\":\"api\",\"server\":\"10.0.0.1:9000\",\"up\":false,"
                      "\"up_loops\":1,\"loops\":2,\"active\":4,\"picks\":99,\"failures\":7}]"),
            std::string::npos)
      << json;
}

TEST(StatusJsonTest, EscapesStringsSoTheDocumentStaysValid) {
  StatusReport r = testing::sample_report();
  r.server.connections[0].current_request = "GET /\"\\\x01\xff HTTP/1.1";
  std::string json = status_json(r);
  EXPECT_NE(json.find("\"current_request\":\"GET /\\\"\\\\\\u0001\\u00ff HTTP/1.1\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"site\":\"we\\\"ird\\\\site\\n\""), std::string::npos);
}

TEST(StatusJsonTest, BracketsBalance) {
  std::string json = status_json(testing::sample_report());
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ASSERT_GE(depth, 0);
    if (c == ',') {
      EXPECT_NE(json[i + 1], '}');
      EXPECT_NE(json[i + 1], ']');
    }
  }
  EXPECT_EQ(depth, 0);
  EXPECT_FALSE(in_string);
}

}  // namespace
}  // namespace portico::server
