// Request parser micro benchmarks: a typical browser head in one read, the same head arriving in
// small reads, a minimal head, and chunked body decoding. Reported as bytes/s.
#include <benchmark/benchmark.h>

#include <string>

#include "portico/http/chunked.h"
#include "portico/http/parser.h"

namespace portico::http {
namespace {

// What a desktop browser sends for a page (about 700 bytes, 11 fields).
const std::string kBrowserHead =
    "GET /wiki/Hypertext_Transfer_Protocol?action=view&section=3 HTTP/1.1\r\n"
    "Host: en.wikipedia.org\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Referer: https://en.wikipedia.org/wiki/Main_Page\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: WMF-Last-Access=10-Jun-2025; GeoIP=DE:BE:Berlin:52.52:13.40:v4; "
    "enwikimwuser-sessionId=4f7c2b1e9d8a6f3c\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "\r\n";

void BM_ParseBrowserHead(benchmark::State& state) {
  const RequestLimits limits;
  RequestHead head;
  for (auto _ : state) {
    HeadScanState st;
    ParseResult r = parse_request_head(kBrowserHead, limits, st, head);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(head.headers.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kBrowserHead.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseBrowserHead);

void BM_ParseMinimalHead(benchmark::State& state) {
  const std::string head_bytes = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const RequestLimits limits;
  RequestHead head;
  for (auto _ : state) {
    HeadScanState st;
    ParseResult r = parse_request_head(head_bytes, limits, st, head);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(head_bytes.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseMinimalHead);

// The head arriving in reads of range(0) bytes: each call sees the whole prefix so far.
void BM_ParseBrowserHeadInPieces(benchmark::State& state) {
  const auto piece = static_cast<size_t>(state.range(0));
  const RequestLimits limits;
  RequestHead head;
  for (auto _ : state) {
    HeadScanState st;
    ParseResult r;
    for (size_t n = piece; r.status == ParseStatus::kNeedMore; n += piece) {
      r = parse_request_head(std::string_view(kBrowserHead).substr(0, n), limits, st, head);
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kBrowserHead.size()));
}
BENCHMARK(BM_ParseBrowserHeadInPieces)->Arg(1)->Arg(64)->Arg(512);

// A chunked body of range(0)-byte chunks, 64 KiB in total.
void BM_DecodeChunked(benchmark::State& state) {
  const auto chunk = static_cast<size_t>(state.range(0));
  std::string body;
  char size_line[32];
  const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk);
  size_t payload = 0;
  while (payload < 64 * 1024) {
    body.append(size_line, static_cast<size_t>(len)).append(chunk, 'x').append("\r\n");
    payload += chunk;
  }
  body += "0\r\n\r\n";
  RequestLimits limits;
  limits.max_body_bytes = 1 << 20;
  ChunkedDecoder dec;
  for (auto _ : state) {
    dec.reset();
    size_t got = 0;
    ChunkedResult r = dec.decode_all(body, limits, [&](std::string_view d) { got += d.size(); });
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(got);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_DecodeChunked)->Arg(16)->Arg(1024)->Arg(16384);

}  // namespace
}  // namespace portico::http
