// Tests for the HTML status page: complete without JavaScript, escaped, self-contained.
#include <gtest/gtest.h>

#include "server/status_report.h"
#include "unit/server/status_report_fixture.h"

namespace portico::server {
namespace {

TEST(StatusPageTest, HasEveryTableTheScriptRedraws) {
  std::string html = status_html(testing::sample_report(), "/_portico");
  for (const char* id :
       {"status-codes", "conn-states", "tcp-states", "conn-rows", "listener-rows", "worker-rows"}) {
    EXPECT_NE(html.find(std::string("<tbody id=\"") + id + "\">"), std::string::npos) << id;
  }
  for (const char* id : {"id=\"rps\"", "id=\"p50\"", "id=\"p99\"", "id=\"total\"", "id=uptime",
                         "id=generation", "id=reload"}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  EXPECT_NE(html.find("data-json=\"/_portico/json\""), std::string::npos);
}

TEST(StatusPageTest, RendersTheDataWithoutJavaScript) {
  std::string html = status_html(testing::sample_report(), "/_portico");
  EXPECT_NE(html.find("<td>127.0.0.1:50000</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>CLOSE_WAIT</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=n>1.23</td>"), std::string::npos);  // rtt ms
  EXPECT_NE(html.find("<td>127.0.0.1:8080</td><td class=n>2</td><td class=n>3</td>"),
            std::string::npos);  // listener: sockets, accept queue
  EXPECT_NE(html.find("http-equiv=refresh"), std::string::npos);
}

TEST(StatusPageTest, EscapesWhatCameFromTheNetwork) {
  std::string html = status_html(testing::sample_report(), "/_portico");
  EXPECT_EQ(html.find("<script>\""), std::string::npos);
  EXPECT_NE(html.find("GET /&lt;script&gt;&quot;x&quot; HTTP/1.1"), std::string::npos);
}

TEST(StatusPageTest, LoadsNothingFromElsewhere) {
  std::string html = status_html(testing::sample_report(), "/_portico");
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("innerHTML"), std::string::npos);
  EXPECT_NE(html.find("<link rel=icon href=\"data:,\">"), std::string::npos);  // no favicon fetch
}

TEST(StatusPageTest, ShowsUpstreamHealth) {
  std::string html = status_html(testing::sample_report(), "/_portico");
  EXPECT_NE(html.find("<td>api</td><td>10.0.0.1:9000</td><td>down (1/2 workers)</td>"),
            std::string::npos);
  EXPECT_EQ(status_html(StatusReport{}, "/s").find("<tbody id=\"upstream-rows\">"),
            std::string::npos);
}

TEST(StatusPageTest, SaysWhenTheTableIsTruncated) {
  StatusReport r = testing::sample_report();
  r.server.total_connections = 900;
  std::string html = status_html(r, "/s");
  EXPECT_NE(html.find("Showing the 1 oldest of 900 connections."), std::string::npos);
}

}  // namespace
}  // namespace portico::server
