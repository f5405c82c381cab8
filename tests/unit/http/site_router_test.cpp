// Tests for SiteRouter: host matching, route precedence, methods, redirects, header edits.
#include "portico/http/site_router.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

namespace portico::http {
namespace {

// A request whose views point into its own storage (not copyable: the views would dangle).
class TestRequest {
 public:
  TestRequest(Method method, std::string target, std::string host, bool secure = false,
              std::string body = {})
      : target_(std::move(target)), host_(std::move(host)), body_(std::move(body)) {
    head_.method = method;
    head_.method_token = to_string(method);
    head_.target = target_;
    std::string_view t = target_;
    size_t q = t.find('?');
    head_.path = t.substr(0, q);
    head_.query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
    head_.host = host_;
    info_.secure = secure;
  }
  TestRequest(const TestRequest&) = delete;
  Request request() const { return Request(head_, body_, info_); }

 private:
  std::string target_;
  std::string host_;
  std::string body_;
  RequestHead head_;
  ConnectionInfo info_;
};

Handler says(std::string text) {
  return [text](const Request&, Response& res) { res.set_body(text, "text/plain"); };
}

Route route(std::string path, PathMatch match, std::string text, std::vector<Method> methods = {}) {
  Route r;
  r.path = std::move(path);
  r.match = match;
  r.action = says(std::move(text));
  r.methods = std::move(methods);
  return r;
}

RedirectTemplate tmpl(std::string_view text) {
  std::string why;
  return *RedirectTemplate::parse(text, &why);
}

std::string body_of(const Response& res) {
  std::string out;
  for (const auto& part : res.body()) out += part.data;
  return out;
}

Response dispatch(const SiteRouter& router, Method m, std::string target, std::string host,
                  bool secure = false, std::string body = {}) {
  TestRequest req(m, std::move(target), std::move(host), secure, std::move(body));
  Response res;
  router.dispatch(req.request(), res);
  return res;
}

std::string header(const Response& res, std::string_view name) {
  const std::string* v = res.headers().get(name);
  return v ? *v : std::string();
}

SiteRouter three_sites() {
  Site exact;
  exact.hosts = {"example.test"};
  exact.routes.push_back(route("/", PathMatch::kPrefix, "exact"));
  Site wild;
  wild.hosts = {"*.example.test"};
  wild.routes.push_back(route("/", PathMatch::kPrefix, "wildcard"));
  Site deeper;
  deeper.hosts = {"*.api.example.test"};
  deeper.routes.push_back(route("/", PathMatch::kPrefix, "deeper"));
  Site fallback;
  fallback.routes.push_back(route("/", PathMatch::kPrefix, "default"));
  std::vector<Site> sites;
  sites.push_back(std::move(exact));
  sites.push_back(std::move(wild));
  sites.push_back(std::move(deeper));
  sites.push_back(std::move(fallback));
  return SiteRouter(std::move(sites));
}

TEST(SiteRouter, MatchesExactHostsCaseInsensitivelyWithoutPort) {
  SiteRouter r = three_sites();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "example.test")), "exact");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "EXAMPLE.Test:8080")), "exact");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "example.test.")), "exact");
}

TEST(SiteRouter, MatchesTheLongestWildcardAtAnyDepth) {
  SiteRouter r = three_sites();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "www.example.test")), "wildcard");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "a.b.example.test")), "wildcard");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "v1.api.example.test")), "deeper");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "api.example.test")), "wildcard");
}

TEST(SiteRouter, SendsUnknownHostsToTheDefaultSite) {
  SiteRouter r = three_sites();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "other.test")), "default");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "xexample.test")), "default");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "")), "default");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "[::1]:8080")), "default");
}

TEST(SiteRouter, AnswersUnknownHostsWithTheConfiguredStatusWithoutADefaultSite) {
  Site only;
  only.hosts = {"example.test"};
  only.routes.push_back(route("/", PathMatch::kPrefix, "x"));
  std::vector<Site> sites;
  sites.push_back(std::move(only));
  SiteRouter misdirected(std::move(sites));
  EXPECT_EQ(dispatch(misdirected, Method::kGet, "/", "other.test").status(),
            Status::kMisdirectedRequest);

  Site again;
  again.hosts = {"example.test"};
  std::vector<Site> sites2;
  sites2.push_back(std::move(again));
  SiteRouter not_found(std::move(sites2), SiteRouterOptions{Status::kNotFound});
  EXPECT_EQ(dispatch(not_found, Method::kGet, "/", "other.test").status(), Status::kNotFound);
}

SiteRouter routes_site() {
  Site s;
  s.routes.push_back(route("/", PathMatch::kPrefix, "root"));
  s.routes.push_back(route("/docs/", PathMatch::kPrefix, "docs"));
  s.routes.push_back(route("/docs/api/", PathMatch::kPrefix, "docs-api"));
  s.routes.push_back(route("/docs/index.html", PathMatch::kExact, "docs-index"));
  s.routes.push_back(route("/api", PathMatch::kPrefix, "api"));
  s.routes.push_back(route("/exact", PathMatch::kExact, "exact"));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  return SiteRouter(std::move(sites));
}

TEST(SiteRouter, PrefersExactRoutesThenTheLongestPrefix) {
  SiteRouter r = routes_site();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/docs/index.html", "h")), "docs-index");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/docs/api/x", "h")), "docs-api");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/docs/other", "h")), "docs");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/docs/", "h")), "docs");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/docs", "h")), "root");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/elsewhere", "h")), "root");
}

TEST(SiteRouter, MatchesPrefixesWithoutSlashAtSegmentBoundaries) {
  SiteRouter r = routes_site();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/api", "h")), "api");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/api/v1", "h")), "api");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/apix", "h")), "root");
}

TEST(SiteRouter, MatchesExactRoutesOnlyOnTheirPath) {
  SiteRouter r = routes_site();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/exact", "h")), "exact");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/exact/", "h")), "root");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/exact?q=1", "h")), "exact");
}

TEST(SiteRouter, RoutesOnTheNormalizedPath) {
  SiteRouter r = routes_site();
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/x/../docs/a", "h")), "docs");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/%64ocs/a", "h")), "docs");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "//docs//a", "h")), "docs");
  EXPECT_EQ(dispatch(r, Method::kGet, "/../etc/passwd", "h").status(), Status::kBadRequest);
  EXPECT_EQ(dispatch(r, Method::kGet, "/a%zz", "h").status(), Status::kBadRequest);
}

TEST(SiteRouter, AnswersNotFoundWhenNoRouteMatches) {
  Site s;
  s.routes.push_back(route("/only", PathMatch::kExact, "only"));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter r(std::move(sites));
  EXPECT_EQ(dispatch(r, Method::kGet, "/other", "h").status(), Status::kNotFound);
}

TEST(SiteRouter, ChoosesTheRouteByMethodAndAnswers405WithAllow) {
  Site s;
  s.routes.push_back(route("/form", PathMatch::kExact, "show", {Method::kGet}));
  s.routes.push_back(route("/form", PathMatch::kExact, "submit", {Method::kPost}));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter r(std::move(sites));
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/form", "h")), "show");
  EXPECT_EQ(body_of(dispatch(r, Method::kHead, "/form", "h")), "show");
  EXPECT_EQ(body_of(dispatch(r, Method::kPost, "/form", "h")), "submit");
  Response del = dispatch(r, Method::kDelete, "/form", "h");
  EXPECT_EQ(del.status(), Status::kMethodNotAllowed);
  EXPECT_EQ(header(del, "Allow"), "GET, HEAD, POST, OPTIONS");
  Response opt = dispatch(r, Method::kOptions, "/form", "h");
  EXPECT_EQ(opt.status(), Status::kNoContent);
  EXPECT_EQ(header(opt, "Allow"), "GET, HEAD, POST, OPTIONS");
}

TEST(SiteRouter, RejectsRoutesWhoseMethodsOverlap) {
  Site s;
  s.routes.push_back(route("/x", PathMatch::kExact, "a", {Method::kGet}));
  s.routes.push_back(route("/x", PathMatch::kExact, "b", {Method::kHead}));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  EXPECT_THROW(SiteRouter{std::move(sites)}, std::invalid_argument);
}

TEST(SiteRouter, RejectsTwoDefaultSitesAndSharedHosts) {
  std::vector<Site> two_defaults(2);
  EXPECT_THROW(SiteRouter{std::move(two_defaults)}, std::invalid_argument);
  std::vector<Site> shared(2);
  shared[0].hosts = {"a.test"};
  shared[1].hosts = {"A.test"};
  EXPECT_THROW(SiteRouter{std::move(shared)}, std::invalid_argument);
}

SiteRouter redirect_site(std::string path, PathMatch match, std::string_view to, Status status) {
  Site s;
  Route r;
  r.path = std::move(path);
  r.match = match;
  r.action = RedirectAction{status, tmpl(to)};
  s.routes.push_back(std::move(r));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  return SiteRouter(std::move(sites));
}

TEST(SiteRouter, RedirectsKeepingThePathBelowThePrefixAndTheQuery) {
  SiteRouter r = redirect_site("/old/", PathMatch::kPrefix,
                               "https://example.test/new/{path}{query}", Status::kMovedPermanently);
  Response res = dispatch(r, Method::kGet, "/old/a/b?x=1", "h");
  EXPECT_EQ(res.status(), Status::kMovedPermanently);
  EXPECT_EQ(header(res, "Location"), "https://example.test/new/a/b?x=1");
  EXPECT_EQ(header(dispatch(r, Method::kGet, "/old/", "h"), "Location"),
            "https://example.test/new/");
}

TEST(SiteRouter, RedirectsTheWholePathFromTheRootRoute) {
  SiteRouter r = redirect_site("/", PathMatch::kPrefix, "https://example.com{path}{query}",
                               Status::kPermanentRedirect);
  Response res = dispatch(r, Method::kPost, "/a%20b/c?q", "h");
  EXPECT_EQ(res.status(), Status::kPermanentRedirect);
  EXPECT_EQ(header(res, "Location"), "https://example.com/a%20b/c?q");
}

TEST(SiteRouter, AnswersFixedResponses) {
  Site s;
  Route r;
  r.path = "/health";
  r.match = PathMatch::kExact;
  r.action = FixedResponse{Status::kAccepted, "ok\n", "text/plain"};
  s.routes.push_back(std::move(r));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter router(std::move(sites));
  Response res = dispatch(router, Method::kGet, "/health", "h");
  EXPECT_EQ(res.status(), Status::kAccepted);
  EXPECT_EQ(body_of(res), "ok\n");
  EXPECT_EQ(header(res, "Content-Type"), "text/plain");
}

TEST(SiteRouter, AppliesSiteThenRouteHeaderEditsAndCacheHeaders) {
  Site s;
  s.headers.set.push_back({"X-Site", "site"});
  s.headers.set.push_back({"X-Both", "site"});
  Route r = route("/", PathMatch::kPrefix, "x");
  r.headers.set.push_back({"X-Both", "route"});
  r.headers.remove.push_back("Content-Type");
  r.cache_control = "public, max-age=60";
  r.expires_secs = 60;
  s.routes.push_back(std::move(r));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter router(std::move(sites));
  Response res = dispatch(router, Method::kGet, "/", "h");
  EXPECT_EQ(header(res, "X-Site"), "site");
  EXPECT_EQ(header(res, "X-Both"), "route");
  EXPECT_EQ(header(res, "Content-Type"), "");
  EXPECT_EQ(header(res, "Cache-Control"), "public, max-age=60");
  EXPECT_FALSE(header(res, "Expires").empty());
}

TEST(SiteRouter, LeavesCacheHeadersOffErrors) {
  Site s;
  Route r;
  r.path = "/";
  r.action = [](const Request&, Response& res) { res = Response::error(Status::kNotFound); };
  r.cache_control = "public, max-age=60";
  s.routes.push_back(std::move(r));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter router(std::move(sites));
  EXPECT_EQ(header(dispatch(router, Method::kGet, "/x", "h"), "Cache-Control"), "");
}

TEST(SiteRouter, AnswersTooLargeForBodiesOverTheRouteLimit) {
  Site s;
  Route r = route("/up/", PathMatch::kPrefix, "stored");
  r.max_body_bytes = 4;
  s.routes.push_back(std::move(r));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter router(std::move(sites));
  EXPECT_EQ(body_of(dispatch(router, Method::kPut, "/up/a", "h", false, "1234")), "stored");
  EXPECT_EQ(dispatch(router, Method::kPut, "/up/a", "h", false, "12345").status(),
            Status::kContentTooLarge);
}

SiteRouter canonical_site(bool https) {
  Site s;
  s.hosts = {"example.test", "www.example.test"};
  s.canonical_host = "example.test";
  s.https_redirect = https;
  s.https_port = 8443;
  s.routes.push_back(route("/", PathMatch::kPrefix, "served"));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  return SiteRouter(std::move(sites));
}

TEST(SiteRouter, RedirectsToTheCanonicalHostKeepingPortPathAndQuery) {
  SiteRouter r = canonical_site(false);
  Response res = dispatch(r, Method::kGet, "/a?b=1", "www.example.test:8080");
  EXPECT_EQ(res.status(), Status::kMovedPermanently);
  EXPECT_EQ(header(res, "Location"), "http://example.test:8080/a?b=1");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/a", "Example.test")), "served");
}

TEST(SiteRouter, RedirectsPlainHttpToHttps) {
  SiteRouter r = canonical_site(true);
  Response res = dispatch(r, Method::kPost, "/a?b=1", "example.test:8080");
  EXPECT_EQ(res.status(), Status::kPermanentRedirect);
  EXPECT_EQ(header(res, "Location"), "https://example.test:8443/a?b=1");
  Response both = dispatch(r, Method::kGet, "/", "www.example.test");
  EXPECT_EQ(header(both, "Location"), "https://example.test:8443/");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/", "example.test", true)), "served");
  EXPECT_EQ(body_of(dispatch(r, Method::kGet, "/.well-known/acme-challenge/t", "example.test")),
            "served");
}

TEST(SiteRouter, SendsHstsOnlyOverTls) {
  Site s;
  s.hsts = "max-age=60";
  s.routes.push_back(route("/", PathMatch::kPrefix, "x"));
  std::vector<Site> sites;
  sites.push_back(std::move(s));
  SiteRouter r(std::move(sites));
  EXPECT_EQ(header(dispatch(r, Method::kGet, "/", "h", true), "Strict-Transport-Security"),
            "max-age=60");
  EXPECT_EQ(header(dispatch(r, Method::kGet, "/nope/..", "h", true), "Strict-Transport-Security"),
            "max-age=60");
  EXPECT_EQ(header(dispatch(r, Method::kGet, "/", "h", false), "Strict-Transport-Security"), "");
}

TEST(SiteRouter, FindRoutesReturnsTheMostSpecificGroup) {
  SiteRouter r = routes_site();
  const Site* site = r.find_site("anything");
  ASSERT_NE(site, nullptr);
  auto found = r.find_routes(*site, "/docs/api/v2");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->path, "/docs/api/");
}

TEST(NormalizeHost, LowercasesAndDropsPortAndTrailingDot) {
  EXPECT_EQ(normalize_host("Example.TEST:8080"), "example.test");
  EXPECT_EQ(normalize_host("example.test."), "example.test");
  EXPECT_EQ(normalize_host("[::1]:80"), "[::1]");
  EXPECT_EQ(normalize_host(""), "");
}

}  // namespace
}  // namespace portico::http
