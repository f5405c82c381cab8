// Tests for AccessPolicy checks (403/429/401 in that order), guard(), and their enforcement by
// SiteRouter on sites, routes and asynchronous routes.
#include "portico/http/access_policy.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "portico/http/site_router.h"

namespace portico::http {
namespace {

// A request whose views point into its own storage.
class TestRequest {
 public:
  TestRequest(std::string peer, std::string target = "/", Method method = Method::kGet,
              std::vector<std::pair<std::string, std::string>> fields = {})
      : target_(std::move(target)), fields_(std::move(fields)) {
    head_.method = method;
    head_.method_token = to_string(method);
    head_.target = target_;
    head_.path = target_;
    head_.host = "example.test";
    for (const auto& [name, value] : fields_) head_.headers.push_back({name, value});
    info_.peer = *net::InetAddress::parse(peer);
    info_.connection_id = next_id_++;
  }
  TestRequest(const TestRequest&) = delete;
  Request request() const { return Request(head_, {}, info_); }
  // The connection numbers requests only once it answers them: the probe handed to find_async()
  // and the request given to dispatch() differ in request_index (and are separate objects).
  void set_request_index(uint32_t i) { info_.request_index = i; }
  // The next request on the same connection: a connection reuses its one RequestHead.
  void set_target(std::string target) {
    target_ = std::move(target);
    head_.target = head_.path = target_;
  }

 private:
  static inline uint64_t next_id_ = 1;
  std::string target_;
  std::vector<std::pair<std::string, std::string>> fields_;
  RequestHead head_;
  ConnectionInfo info_;
};

AccessRules rules(std::vector<std::string> entries) { return *AccessRules::parse(entries); }

struct Clock {
  int64_t now = 1'000;
};

std::shared_ptr<RateLimiter> limiter(uint32_t burst, Clock& clock,
                                     RateKey key = RateKey{RateKeyKind::kClient, {}}) {
  return std::make_shared<RateLimiter>(RateLimit{Rate{1, 60'000}, burst, std::move(key)},
                                       [&clock] { return clock.now; });
}

Status run(const Handler& h, const TestRequest& t, Response* out = nullptr) {
  Request req = t.request();
  Response res;
  h(req, res);
  if (out) *out = res;
  return res.status();
}

Handler ok() {
  return [](const Request&, Response& res) { res.set_body("ok", "text/plain"); };
}

TEST(AccessPolicy, EmptyPolicyGuardIsTheHandlerItself) {
  Handler h = guard(AccessPolicy{}, TrustedProxies{}, ok());
  EXPECT_EQ(run(h, TestRequest("192.0.2.1:1")), Status::kOk);
}

TEST(AccessPolicy, DeniedAddressesGet403WithAPlainBody) {
  AccessPolicy p;
  p.rules = rules({"allow 127.0.0.1", "allow ::1"});
  Handler h = guard(p, TrustedProxies{}, ok());
  EXPECT_EQ(run(h, TestRequest("127.0.0.1:1")), Status::kOk);
  EXPECT_EQ(run(h, TestRequest("[::1]:1")), Status::kOk);
  Response res;
  EXPECT_EQ(run(h, TestRequest("192.0.2.1:1"), &res), Status::kForbidden);
  ASSERT_EQ(res.body().size(), 1u);
  EXPECT_EQ(res.body()[0].data, "403 Forbidden: access from your address is not allowed here.\n");
}

TEST(AccessPolicy, RateLimitAnswers429WithRetryAfter) {
  Clock clock;
  AccessPolicy p;
  p.rate_limit = limiter(3, clock);
  Handler h = guard(p, TrustedProxies{}, ok());
  int refused = 0;
  Response last;
  for (int i = 0; i < 10; ++i) refused += run(h, TestRequest("192.0.2.1:1"), &last) != Status::kOk;
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(last.status(), Status::kTooManyRequests);
  ASSERT_TRUE(last.headers().get("Retry-After"));
  EXPECT_EQ(*last.headers().get("Retry-After"), "60");
  EXPECT_EQ(run(h, TestRequest("192.0.2.2:1")), Status::kOk);  // another client
  clock.now += 60'000;
  EXPECT_EQ(run(h, TestRequest("192.0.2.1:1")), Status::kOk);
}

TEST(AccessPolicy, DeniedClientsSpendNoRateBudget) {
  Clock clock;
  AccessPolicy p;
  p.rules = rules({"deny 192.0.2.0/24"});
  p.rate_limit = limiter(1, clock, RateKey{RateKeyKind::kRoute, {}});
  Handler h = guard(p, TrustedProxies{}, ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run(h, TestRequest("192.0.2.1:1")), Status::kForbidden);
  EXPECT_EQ(run(h, TestRequest("198.51.100.1:1")), Status::kOk);
  EXPECT_EQ(run(h, TestRequest("198.51.100.1:1")), Status::kTooManyRequests);
}

TEST(AccessPolicy, UsesTheClientBehindATrustedProxy) {
  AccessPolicy p;
  p.rules = rules({"deny 203.0.113.0/24"});
  TrustedProxies trusted{net::NetworkSet{*net::Cidr::parse("127.0.0.1")}, {}};
  Handler h = guard(p, trusted, ok());
  EXPECT_EQ(
      run(h, TestRequest("127.0.0.1:1", "/", Method::kGet, {{"X-Forwarded-For", "203.0.113.7"}})),
      Status::kForbidden);
  EXPECT_EQ(
      run(h, TestRequest("127.0.0.1:1", "/", Method::kGet, {{"X-Forwarded-For", "198.51.100.7"}})),
      Status::kOk);
  // From an untrusted peer the field is ignored: no way to hide behind a made-up address...
  EXPECT_EQ(run(h, TestRequest("203.0.113.9:1", "/", Method::kGet,
                               {{"X-Forwarded-For", "198.51.100.7"}})),
            Status::kForbidden);
}

TEST(AccessPolicy, RouteInheritsWhatItLeavesUnset) {
  Clock clock;
  AccessPolicy site;
  site.rules = rules({"allow 10.0.0.0/8"});
  site.rate_limit = limiter(1, clock);
  AccessPolicy route;
  route.rules = rules({"allow all"});
  AccessPolicy effective = route.inherit(site);
  EXPECT_TRUE(effective.rules.allows(*net::IpAddress::parse("192.0.2.1")));
  EXPECT_EQ(effective.rate_limit, site.rate_limit);
  EXPECT_EQ(AccessPolicy{}.inherit(site).rules.to_string(), site.rules.to_string());
}

Site site_with(std::vector<Route> routes, AccessPolicy access = {}) {
  Site s;
  s.routes = std::move(routes);
  s.access = std::move(access);
  return s;
}

Status dispatch(const SiteRouter& router, const TestRequest& t) {
  Request req = t.request();
  Response res;
  router.dispatch(req, res);
  return res.status();
}

TEST(SiteRouterAccess, SitePolicyCoversRoutesAnd404s) {
  AccessPolicy site_access;
  site_access.rules = rules({"allow 127.0.0.0/8"});
  SiteRouter router({site_with({Route{.path = "/a/", .action = ok()}}, site_access)});
  EXPECT_EQ(dispatch(router, TestRequest("127.0.0.1:1", "/a/x")), Status::kOk);
  EXPECT_EQ(dispatch(router, TestRequest("127.0.0.1:1", "/missing")), Status::kNotFound);
  EXPECT_EQ(dispatch(router, TestRequest("192.0.2.1:1", "/a/x")), Status::kForbidden);
  EXPECT_EQ(dispatch(router, TestRequest("192.0.2.1:1", "/missing")), Status::kForbidden);
}

TEST(SiteRouterAccess, RouteRulesReplaceTheSiteRules) {
  AccessPolicy site_access;
  site_access.rules = rules({"deny all"});
  Route open{.path = "/public/", .action = ok()};
  open.access.rules = rules({"allow all"});
  Route closed{.path = "/private/", .action = ok()};
  SiteRouter router({site_with({open, closed}, site_access)});
  EXPECT_EQ(dispatch(router, TestRequest("192.0.2.1:1", "/public/x")), Status::kOk);
  EXPECT_EQ(dispatch(router, TestRequest("192.0.2.1:1", "/private/x")), Status::kForbidden);
}

TEST(SiteRouterAccess, TrustedProxiesComeFromTheOptions) {
  Route r{.path = "/", .action = ok()};
  r.access.rules = rules({"allow 198.51.100.0/24"});
  SiteRouterOptions options;
  options.trusted_proxies.networks = net::NetworkSet{*net::Cidr::parse("::1")};
  SiteRouter router({site_with({r})}, options);
  EXPECT_EQ(dispatch(router, TestRequest("[::1]:1", "/", Method::kGet,
                                         {{"X-Forwarded-For", "198.51.100.3"}})),
            Status::kOk);
  EXPECT_EQ(dispatch(router, TestRequest("[::1]:1", "/")), Status::kForbidden);
}

TEST(SiteRouterAccess, AsyncLookupRefusesAndDispatchAnswersOnce) {
  Clock clock;
  int async_runs = 0;
  Route r{.path = "/api/",
          .action = AsyncHandler([&async_runs](std::shared_ptr<Exchange>) { ++async_runs; })};
  r.access.rate_limit = limiter(2, clock);
  SiteRouter router({site_with({r})});
  std::vector<Status> answers;
  for (int i = 0; i < 4; ++i) {
    TestRequest t("192.0.2.1:1", "/api/x");
    t.set_request_index(7);
    if (router.find_async(t.request()) != nullptr) {
      answers.push_back(Status::kOk);
      continue;
    }
    t.set_request_index(8);
    Response res;
    router.dispatch(t.request(), res);
    answers.push_back(res.status());
  }
  EXPECT_EQ(answers, (std::vector<Status>{Status::kOk, Status::kOk, Status::kTooManyRequests,
                                          Status::kTooManyRequests}));
  EXPECT_EQ(r.access.rate_limit->rejected(), 2u);  // each refusal counted once
}

TEST(SiteRouterAccess, ALeftOverRefusalNeverAnswersAnotherRequest) {
  Clock clock;
  Route r{.path = "/api/", .action = AsyncHandler([](std::shared_ptr<Exchange>) {})};
  r.access.rate_limit = limiter(1, clock);
  Route page{.path = "/page", .action = ok()};
  SiteRouter router({site_with({r, page})});
  TestRequest conn("192.0.2.1:1", "/api/x");
  EXPECT_NE(router.find_async(conn.request()), nullptr);
  EXPECT_EQ(router.find_async(conn.request()), nullptr);  // refused; its dispatch never runs
  // The connection's next request (same head object, same connection id) is not answered by
  // the refusal left over from the one before.
  conn.set_target("/page");
  EXPECT_EQ(router.find_async(conn.request()), nullptr);
  Response res;
  router.dispatch(conn.request(), res);
  EXPECT_EQ(res.status(), Status::kOk);
}

TEST(SiteRouterAccess, AsyncLookupRefusesADeniedAddress) {
  Route r{.path = "/api/", .action = AsyncHandler([](std::shared_ptr<Exchange>) {})};
  r.access.rules = rules({"deny 192.0.2.1"});
  SiteRouter router({site_with({r})});
  TestRequest denied("192.0.2.1:1", "/api/x");
  Request req = denied.request();
  EXPECT_EQ(router.find_async(req), nullptr);
  Response res;
  router.dispatch(req, res);
  EXPECT_EQ(res.status(), Status::kForbidden);
  TestRequest allowed("192.0.2.2:1", "/api/x");
  EXPECT_NE(router.find_async(allowed.request()), nullptr);
}

}  // namespace
}  // namespace portico::http
