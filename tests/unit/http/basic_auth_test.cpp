// Tests for BasicAuth::check: 401/407 challenges, 400, 429 from the limiter, caching, realms.
#include "portico/http/basic_auth.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/base64.h"
#include "unit/http/test_request.h"

namespace portico::http {
namespace {

using testing::TestRequest;

std::string basic(std::string_view user_pass) {
  return "Basic " + base64_encode(user_pass, Base64Alphabet::kStandard);
}

std::shared_ptr<const UserFile> users() {
  static const auto file = [] {
    std::string err;
    auto f =
        UserFile::parse("alice:" + UserFile::hash_password("wonderland") + "\n", "users", &err);
    return std::make_shared<const UserFile>(std::move(*f));
  }();
  return file;
}

class BasicAuthTest : public ::testing::Test {
 protected:
  BasicAuth auth_{users(), {.realm = "staff", .limits = {.max_failures = 3}}};
  FailedAttemptLimiter limiter_{{.max_failures = 3, .window_ms = 60'000}};
  int64_t now_ = 1'000'000;

  AuthResult check(const TestRequest& req, Response& out, bool proxy = false) {
    return auth_.check(req.request(), out, {}, proxy, limiter_, now_);
  }
  static const std::string* field(const Response& r, std::string_view name) {
    return r.headers().get(name);
  }
};

TEST_F(BasicAuthTest, RightCredentialsAreAllowedAndTheResponseIsUntouched) {
  TestRequest req({{"Authorization", basic("alice:wonderland")}});
  Response out;
  auto r = check(req, out);
  EXPECT_EQ(r.outcome, AuthOutcome::kAllowed);
  EXPECT_TRUE(r.allowed());
  EXPECT_EQ(r.user, "alice");
  EXPECT_EQ(out.status(), Status::kOk);
  EXPECT_TRUE(out.headers().empty());
}

TEST_F(BasicAuthTest, NoCredentialsGetTheChallengeWithRealmAndCharset) {
  TestRequest req;
  Response out;
  auto r = check(req, out);
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(r.credentials, CredentialsStatus::kMissing);
  EXPECT_EQ(out.status(), Status::kUnauthorized);
  ASSERT_NE(field(out, "WWW-Authenticate"), nullptr);
  EXPECT_EQ(*field(out, "WWW-Authenticate"), "Basic realm=\"staff\", charset=\"UTF-8\"");
  EXPECT_EQ(limiter_.size(), 0u);  // a first request without credentials is not a failure
}

TEST_F(BasicAuthTest, WrongPasswordAndUnknownUserLookTheSame) {
  TestRequest wrong({{"Authorization", basic("alice:nope")}});
  TestRequest unknown({{"Authorization", basic("mallory:wonderland")}});
  Response a, b;
  auto ra = check(wrong, a);
  auto rb = check(unknown, b);
  EXPECT_EQ(ra.outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(rb.outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(a.status(), b.status());
  EXPECT_EQ(*field(a, "WWW-Authenticate"), *field(b, "WWW-Authenticate"));
}

TEST_F(BasicAuthTest, OtherSchemesAreChallengedAndMalformedBasicIsABadRequest) {
  TestRequest bearer({{"Authorization", "Bearer xyz"}});
  Response out;
  EXPECT_EQ(check(bearer, out).outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(out.status(), Status::kUnauthorized);

  TestRequest garbage({{"Authorization", "Basic !!!"}});
  Response bad;
  auto r = check(garbage, bad);
  EXPECT_EQ(r.outcome, AuthOutcome::kBadRequest);
  EXPECT_EQ(r.credentials, CredentialsStatus::kMalformed);
  EXPECT_EQ(bad.status(), Status::kBadRequest);
  EXPECT_EQ(field(bad, "WWW-Authenticate"), nullptr);
}

TEST_F(BasicAuthTest, NonUtf8UserNameIsChallengedCleanly) {
  TestRequest req({{"Authorization", basic("\xe9t\xe9:pw")}});
  Response out;
  auto r = check(req, out);
  EXPECT_EQ(r.outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(r.credentials, CredentialsStatus::kBadUserName);
  EXPECT_TRUE(r.user.empty());
}

TEST_F(BasicAuthTest, TooManyFailuresGet429WithRetryAfterEvenWithTheRightPassword) {
  TestRequest wrong({{"Authorization", basic("alice:nope")}});
  for (int i = 0; i < 3; ++i) {
    Response out;
    EXPECT_EQ(check(wrong, out).outcome, AuthOutcome::kChallenged);
  }
  TestRequest right({{"Authorization", basic("alice:wonderland")}});
  Response out;
  EXPECT_EQ(check(right, out).outcome, AuthOutcome::kRateLimited);
  EXPECT_EQ(out.status(), Status::kTooManyRequests);
  ASSERT_NE(field(out, "Retry-After"), nullptr);
  EXPECT_EQ(*field(out, "Retry-After"), "60");

  // Another client is unaffected; after the window the first may try again.
  TestRequest other({{"Authorization", basic("alice:wonderland")}}, false, "198.51.100.7:1");
  Response o2;
  EXPECT_TRUE(check(other, o2).allowed());
  now_ += 60'000;
  Response later;
  EXPECT_TRUE(check(right, later).allowed());
}

TEST_F(BasicAuthTest, ExplicitClientKeyOverridesThePeer) {
  TestRequest wrong({{"Authorization", basic("alice:nope")}});
  for (int i = 0; i < 3; ++i) {
    Response out;
    auth_.check(wrong.request(), out, "203.0.113.9", false, limiter_, now_);
  }
  Response out;
  EXPECT_EQ(auth_.check(wrong.request(), out, "203.0.113.9", false, limiter_, now_).outcome,
            AuthOutcome::kRateLimited);
  EXPECT_EQ(check(wrong, out).outcome, AuthOutcome::kChallenged);  // the peer itself is not
}

TEST_F(BasicAuthTest, ProxyCheckUsesProxyAuthorizationAnd407) {
  TestRequest origin_only({{"Authorization", basic("alice:wonderland")}});
  Response out;
  EXPECT_EQ(check(origin_only, out, true).outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(out.status(), Status::kProxyAuthenticationRequired);
  ASSERT_NE(field(out, "Proxy-Authenticate"), nullptr);
  EXPECT_EQ(*field(out, "Proxy-Authenticate"), "Basic realm=\"staff\", charset=\"UTF-8\"");
  EXPECT_EQ(field(out, "WWW-Authenticate"), nullptr);

  TestRequest proxied({{"Proxy-Authorization", basic("alice:wonderland")}});
  Response ok;
  EXPECT_TRUE(check(proxied, ok, true).allowed());
}

TEST_F(BasicAuthTest, ConvenienceOverloadsUseThisThreadsLimiter) {
  TestRequest req({{"Authorization", basic("alice:wonderland")}});
  Response out;
  EXPECT_TRUE(auth_.check(req.request(), out).allowed());
  TestRequest preq({{"Proxy-Authorization", basic("alice:wonderland")}});
  EXPECT_TRUE(auth_.check_proxy(preq.request(), out).allowed());
  TestRequest none;
  EXPECT_EQ(auth_.check_proxy(none.request(), out).outcome, AuthOutcome::kChallenged);
  EXPECT_EQ(out.status(), Status::kProxyAuthenticationRequired);
}

TEST_F(BasicAuthTest, CachedSuccessDoesNotOutliveTheCacheTime) {
  BasicAuth auth(users(), {.realm = "r", .success_cache_ms = 1000});
  TestRequest req({{"Authorization", basic("alice:wonderland")}});
  TestRequest wrong({{"Authorization", basic("alice:wonderlanD")}});
  Response out;
  EXPECT_TRUE(auth.check(req.request(), out, {}, false, limiter_, now_).allowed());
  EXPECT_TRUE(auth.check(req.request(), out, {}, false, limiter_, now_ + 10).allowed());
  EXPECT_FALSE(auth.check(wrong.request(), out, {}, false, limiter_, now_ + 20).allowed());
  EXPECT_TRUE(auth.check(req.request(), out, {}, false, limiter_, now_ + 5000).allowed());
}

TEST(BasicAuthNoUsers, ANullUserFileLetsNobodyIn) {
  BasicAuth auth(nullptr, {});
  TestRequest req({{"Authorization", basic("alice:wonderland")}});
  FailedAttemptLimiter limiter;
  Response out;
  EXPECT_EQ(auth.check(req.request(), out, {}, false, limiter, 0).outcome,
            AuthOutcome::kChallenged);
  EXPECT_EQ(*out.headers().get("WWW-Authenticate"), "Basic realm=\"portico\", charset=\"UTF-8\"");
}

TEST(BasicAuthLoad, RefusesBadRealmsAndReportsFileErrors) {
  std::string err;
  EXPECT_FALSE(BasicAuth::load("/nonexistent/users", "ok", &err));
  EXPECT_EQ(err, "/nonexistent/users: cannot open user file");
  EXPECT_FALSE(BasicAuth::load("/nonexistent/users", "a\"b", &err));
  EXPECT_EQ(err, "realm must not contain '\"', '\\' or control characters");
  EXPECT_TRUE(is_valid_realm("Staff area (UTF-8: \xc3\xa9)"));
  EXPECT_FALSE(is_valid_realm("a\\b"));
  EXPECT_FALSE(is_valid_realm("a\nb"));
}

}  // namespace
}  // namespace portico::http
