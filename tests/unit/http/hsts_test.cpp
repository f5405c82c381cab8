// Tests for the HSTS wrapper: the header on secure responses only (RFC 6797 7.2).
#include "portico/http/hsts.h"

#include <gtest/gtest.h>

#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {
namespace {

Response run(const Handler& h, bool secure) {
  RequestHead head;
  head.path = "/";
  ConnectionInfo info;
  info.secure = secure;
  Request req(head, {}, info);
  Response res;
  h(req, res);
  return res;
}

TEST(Hsts, FormatsMaxAgeAndIncludeSubDomains) {
  EXPECT_EQ(hsts_header_value({31536000, false}), "max-age=31536000");
  EXPECT_EQ(hsts_header_value({600, true}), "max-age=600; includeSubDomains");
}

TEST(Hsts, AddsTheHeaderToSecureResponsesOnly) {
  Handler h = with_hsts([](const Request&, Response& res) { res.set_body("x", "text/plain"); },
                        {600, false});
  Response secure = run(h, true);
  ASSERT_NE(secure.headers().get("Strict-Transport-Security"), nullptr);
  EXPECT_EQ(*secure.headers().get("Strict-Transport-Security"), "max-age=600");
  EXPECT_EQ(run(h, false).headers().get("Strict-Transport-Security"), nullptr);
}

TEST(Hsts, KeepsAValueTheHandlerSet) {
  Handler h =
      with_hsts([](const Request&,
                   Response& res) { res.set_header("Strict-Transport-Security", "max-age=1"); },
                {600, false});
  EXPECT_EQ(*run(h, true).headers().get("Strict-Transport-Security"), "max-age=1");
}

}  // namespace
}  // namespace portico::http
