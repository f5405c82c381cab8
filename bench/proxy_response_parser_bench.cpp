// Upstream response-head parser micro benchmarks: a typical application response in one read
// and the same head arriving in small reads. Reported as bytes/s.
#include <benchmark/benchmark.h>

#include <string>

// The bench rule links portico_http and portico_net only, so the parser (proxy layer, nothing
// above http) is compiled in here. When the rule links portico_proxy, replace this with
// "portico/proxy/response_parser.h".
#include "portico/proxy/response_parser.h"

namespace portico::proxy {
namespace {

// What an application server behind a proxy typically answers (about 500 bytes, 11 fields).
const std::string kAppResponse =
    "HTTP/1.1 200 OK\r\n"
    "Date: Tue, 10 Jun 2025 12:00:00 GMT\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: 1834\r\n"
    "Connection: keep-alive\r\n"
    "Cache-Control: private, max-age=0, no-cache\r\n"
    "Vary: Accept-Encoding, Cookie\r\n"
    "Set-Cookie: session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; Path=/; HttpOnly; Secure; "
    "SameSite=Lax\r\n"
    "X-Request-Id: 4b3c2d1e-0f9a-8b7c-6d5e-4f3a2b1c0d9e\r\n"
    "X-Runtime: 0.012345\r\n"
    "Strict-Transport-Security: max-age=31536000\r\n"
    "ETag: W/\"7c3-1a2b3c4d\"\r\n"
    "\r\n";

void BM_ParseAppResponse(benchmark::State& state) {
  const ResponseLimits limits;
  ResponseHead head;
  for (auto _ : state) {
    http::HeadScanState st;
    auto r = parse_response_head(kAppResponse, http::Method::kGet, limits, st, head);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(head.headers.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kAppResponse.size()));
}
BENCHMARK(BM_ParseAppResponse);

// The head in reads of state.range(0) bytes, each call given everything received so far.
void BM_ParseAppResponseInPieces(benchmark::State& state) {
  const ResponseLimits limits;
  ResponseHead head;
  const auto piece = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    http::HeadScanState st;
    ResponseParseResult r;
    for (size_t n = piece; n < kAppResponse.size() + piece; n += piece) {
      r = parse_response_head(std::string_view(kAppResponse).substr(0, n), http::Method::kGet,
                              limits, st, head);
      if (r.status != http::ParseStatus::kNeedMore) break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kAppResponse.size()));
}
BENCHMARK(BM_ParseAppResponseInPieces)->Arg(16)->Arg(128);

}  // namespace
}  // namespace portico::proxy
