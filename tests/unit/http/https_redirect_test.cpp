// Tests for the HTTP-to-HTTPS redirect handler: Location building and host checks.
#include "portico/http/https_redirect.h"

#include <gtest/gtest.h>

#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {
namespace {

Response run(const HttpsRedirectOptions& o, std::string_view host, std::string_view path,
             std::string_view query) {
  RequestHead head;
  head.host = host;
  head.path = path;
  head.query = query;
  ConnectionInfo info;
  Request req(head, {}, info);
  Response res;
  make_https_redirect(o)(req, res);
  return res;
}

TEST(HttpsRedirect, KeepsPathAndQueryAndOmitsPort443) {
  EXPECT_EQ(https_location("example.test", "/a/b%20c", "x=1&y=2", 443),
            "https://example.test/a/b%20c?x=1&y=2");
  EXPECT_EQ(https_location("example.test", "/", "", 8443), "https://example.test:8443/");
  EXPECT_EQ(https_location("[::1]", "/x", "", 8443), "https://[::1]:8443/x");
}

TEST(HttpsRedirect, AsteriskOrEmptyPathBecomesRoot) {
  EXPECT_EQ(https_location("h", "*", "", 443), "https://h/");
  EXPECT_EQ(https_location("h", "", "", 443), "https://h/");
}

TEST(HttpsRedirect, AnswersMovedPermanentlyWithTheHttpsUrl) {
  HttpsRedirectOptions o;
  o.https_port = 8443;
  Response res = run(o, "example.test:8080", "/p", "q");
  EXPECT_EQ(res.status(), Status::kMovedPermanently);
  ASSERT_NE(res.headers().get("Location"), nullptr);
  EXPECT_EQ(*res.headers().get("Location"), "https://example.test:8443/p?q");
}

TEST(HttpsRedirect, MissingOrOddHostUsesTheFallbackOrFails) {
  HttpsRedirectOptions o;
  o.fallback_host = "127.0.0.1";
  Response res = run(o, "", "/p", "");
  EXPECT_EQ(*res.headers().get("Location"), "https://127.0.0.1/p");
  res = run(o, "evil.test/x@y", "/p", "");  // not a host: never echoed into Location
  EXPECT_EQ(*res.headers().get("Location"), "https://127.0.0.1/p");
  o.fallback_host.clear();
  EXPECT_EQ(run(o, "", "/p", "").status(), Status::kBadRequest);
}

TEST(HttpsRedirect, RedirectableHostAcceptsNamesAndIpLiteralsOnly) {
  EXPECT_TRUE(redirectable_host("a-b.example.test"));
  EXPECT_TRUE(redirectable_host("192.0.2.1"));
  EXPECT_TRUE(redirectable_host("[2001:db8::1]"));
  EXPECT_FALSE(redirectable_host(""));
  EXPECT_FALSE(redirectable_host("a b"));
  EXPECT_FALSE(redirectable_host("a/b"));
  EXPECT_FALSE(redirectable_host("[::1"));
  EXPECT_FALSE(redirectable_host("[zz]"));
}

}  // namespace
}  // namespace portico::http
