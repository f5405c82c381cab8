// Access-control micro benchmarks: the per-request costs a protected site pays (cookie lookup,
// session cookie verification and load, a cached Basic-auth check) and the one it must not pay
// per request (a full PBKDF2 verification).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "http/base64.h"
#include "portico/http/basic_auth.h"
#include "portico/http/cookie.h"
#include "portico/http/session.h"

namespace portico::http {
namespace {

// A request with one header field (the views point into this object).
class OneFieldRequest {
 public:
  OneFieldRequest(std::string name = {}, std::string value = {})
      : name_(std::move(name)), value_(std::move(value)) {
    if (!name_.empty()) head_.headers.push_back({name_, value_});
    info_.peer = *net::InetAddress::parse("192.0.2.1:5555");
  }
  Request request() const { return Request(head_, {}, info_); }

 private:
  std::string name_, value_;
  RequestHead head_;
  ConnectionInfo info_;
};

// A browser-like Cookie field: analytics noise around the session cookie.
const std::string kCookieField =
    "_ga=GA1.2.1234567890.1600000000; _gid=GA1.2.987654321.1600000000; theme=dark; "
    "lang=en-GB; consent=\"yes\"; portico_session=PLACEHOLDER; cart=3f2a; tz=Europe%2FLondon";

void BM_FindCookie(benchmark::State& state) {
  OneFieldRequest req("Cookie", kCookieField);
  for (auto _ : state) benchmark::DoNotOptimize(find_cookie(req.request(), "portico_session"));
}
BENCHMARK(BM_FindCookie);

void BM_ParseCookies(benchmark::State& state) {
  OneFieldRequest req("Cookie", kCookieField);
  for (auto _ : state) benchmark::DoNotOptimize(parse_cookies(req.request()));
}
BENCHMARK(BM_ParseCookies);

void BM_FormatSetCookie(benchmark::State& state) {
  SetCookie c{.name = "portico_session", .value = std::string(76, 'v'), .max_age = 86400};
  for (auto _ : state) benchmark::DoNotOptimize(format_set_cookie(c, true));
}
BENCHMARK(BM_FormatSetCookie);

void BM_SessionVerify(benchmark::State& state) {
  // range(0) keys; the cookie was signed by the oldest, so every key is tried (rotation worst
  // case).
  std::vector<std::string> keys;
  for (int i = 0; i < state.range(0); ++i) keys.push_back(std::string(32, char('a' + i)));
  SessionManager signer({.keys = {keys.front()}}, std::make_shared<MemorySessionStore>());
  SessionManager m({.keys = keys}, std::make_shared<MemorySessionStore>());
  const std::string value = signer.sign(SessionManager::new_id());
  for (auto _ : state) benchmark::DoNotOptimize(m.verify(value));
}
BENCHMARK(BM_SessionVerify)->Arg(1)->Arg(3);

void BM_SessionLoadExisting(benchmark::State& state) {
  auto store = std::make_shared<MemorySessionStore>();
  SessionManager m({.keys = {std::string(32, 'k')}}, store);
  OneFieldRequest first;
  Session s = m.load(first.request());
  s.set("user", "alice");
  Response res;
  m.save(first.request(), s, res);
  std::string field = kCookieField;
  field.replace(field.find("PLACEHOLDER"), 11, m.sign(s.id()));
  OneFieldRequest req("Cookie", field);
  for (auto _ : state) {
    Session loaded = m.load(req.request());
    benchmark::DoNotOptimize(loaded.get("user"));
  }
}
BENCHMARK(BM_SessionLoadExisting);

std::shared_ptr<const UserFile> bench_users() {
  static const auto users = [] {
    std::string err;
    auto f = UserFile::parse("alice:" + UserFile::hash_password("wonderland") + "\n", "u", &err);
    return std::make_shared<const UserFile>(std::move(*f));
  }();
  return users;
}

void BM_BasicAuthCachedCheck(benchmark::State& state) {
  BasicAuth auth(bench_users(), {.realm = "r"});
  OneFieldRequest req("Authorization",
                      "Basic " + base64_encode("alice:wonderland", Base64Alphabet::kStandard));
  Response out;
  auth.check(req.request(), out);  // fills this thread's cache
  for (auto _ : state) benchmark::DoNotOptimize(auth.check(req.request(), out));
}
BENCHMARK(BM_BasicAuthCachedCheck);

void BM_UserFileVerifyPbkdf2(benchmark::State& state) {
  auto users = bench_users();
  for (auto _ : state) benchmark::DoNotOptimize(users->verify("alice", "wonderland"));
}
BENCHMARK(BM_UserFileVerifyPbkdf2)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace
}  // namespace portico::http
