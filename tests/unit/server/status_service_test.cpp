// Tests for the status service's pieces that need no running server.
#include "server/status_service.h"

#include <gtest/gtest.h>

namespace portico::server {
namespace {

struct FakeRequest {
  explicit FakeRequest(std::string path, std::string host = "x") {
    head.method = http::Method::kGet;
    head.method_token = "GET";
    head.path = path_ = std::move(path);
    head.host = host_ = std::move(host);
  }
  http::Request request() const { return http::Request(head, {}, info); }
  std::string path_, host_;
  http::RequestHead head;
  http::ConnectionInfo info;
};

TEST(StatusServiceTest, NormalizesMountPaths) {
  std::string err;
  EXPECT_EQ(StatusService::normalize_path("/_portico", &err), "/_portico");
  EXPECT_EQ(StatusService::normalize_path("/_portico/", &err), "/_portico");
  EXPECT_EQ(StatusService::normalize_path("/a/b", &err), "/a/b");
  EXPECT_EQ(StatusService::normalize_path("/", &err), "");
  EXPECT_EQ(StatusService::normalize_path("status", &err), "");
  EXPECT_EQ(err, "status path 'status': expected a path like /_portico");
  EXPECT_EQ(StatusService::normalize_path("/a b", &err), "");
  EXPECT_EQ(StatusService::normalize_path("/%61", &err), "");
}

TEST(StatusServiceTest, ClaimsOnlyItsThreeViews) {
  StatusService s({.path = "/_portico"});
  for (const char* p : {"/_portico", "/_portico/", "/_portico/json", "/_portico/metrics"}) {
    FakeRequest r(p);
    EXPECT_NE(s.find(r.request()), nullptr) << p;
  }
  for (const char* p : {"/", "/_porticox", "/_portico/jsonx", "/_portico/a", "/x/_portico"}) {
    FakeRequest r(p);
    EXPECT_EQ(s.find(r.request()), nullptr) << p;
  }
}

TEST(StatusServiceTest, CountsResponsesBySiteName) {
  StatusService s({});
  FakeRequest r("/a");
  http::Request req = r.request();
  http::AccessLogEntry e;
  e.request = &req;
  e.status = http::Status::kNotFound;
  s.record(e, "a.test");
  s.record(e, "a.test");
  s.record(e, "default");
  http::RequestCounts c = s.metrics().snapshot();
  EXPECT_EQ(c.total, 3u);
  ASSERT_EQ(c.site_names.size(), 2u);
  EXPECT_EQ(c.site_names[1], "a.test");
  for (const auto& entry : c.requests) {
    EXPECT_EQ(entry.code, 404);
    EXPECT_EQ(entry.count, entry.site == 1 ? 2u : 1u);
  }
}

TEST(StatusServiceTest, LabelsSitesByTheirFirstName) {
  http::Site a;
  a.hosts = {"a.test", "*.a.test"};
  http::Site fallback;
  http::SiteRouter router({a, fallback});
  FakeRequest ra("/", "www.a.test");
  http::Request req_a = ra.request();
  EXPECT_EQ(StatusService::site_label(router, &req_a), "a.test");
  FakeRequest rb("/", "other.test");
  http::Request req_b = rb.request();
  EXPECT_EQ(StatusService::site_label(router, &req_b), "default");
  EXPECT_EQ(StatusService::site_label(router, nullptr), "none");
  http::SiteRouter only_a({a});
  EXPECT_EQ(StatusService::site_label(only_a, &req_b), "none");
}

TEST(StatusServiceTest, ReportsReloads) {
  StatusService s({});
  EXPECT_EQ(s.report({}).reload.last_result, "none");
  s.note_reload(2, true);
  StatusReport r = s.report({});
  EXPECT_EQ(r.reload.generation, 2u);
  EXPECT_EQ(r.reload.last_result, "ok");
  s.note_reload(2, false);
  EXPECT_EQ(s.report({}).reload.last_result, "failed");
}

}  // namespace
}  // namespace portico::server
