// Compression micro benchmarks: the CPU cost per response of each coding at its default
// level on a 100 KiB JavaScript-like file, streamed vs whole, and a compressed-cache hit.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "portico/http/accept_encoding.h"
#include "portico/http/compressed_cache.h"
#include "portico/http/compressor.h"

namespace portico::http {
namespace {

// Deterministic JavaScript-like text, compressible about 4x by gzip -6 (like bench/run's (z)).
const std::string& sample_js() {
  static const std::string text = [] {
    static const char* kWords[] = {
        "function ", "return ", "const ", "this.state", "render", "value",  "index",  "=> ",
        "{\n",       "}\n",     "(",      ")",          ";\n",    "props.", "await ", "async "};
    std::mt19937 rng(1);
    std::string s;
    while (s.size() < 100 * 1024) {
      s += kWords[rng() % 16];
      if (rng() % 3 == 0) s += std::to_string(rng() % 1000);
    }
    s.resize(100 * 1024);
    return s;
  }();
  return text;
}

ContentCoding coding_arg(const benchmark::State& state) {
  return static_cast<ContentCoding>(state.range(0));
}

// compress_all: what a cache miss costs (the whole file, Content-Length known).
void BM_CompressWhole(benchmark::State& state) {
  ContentCoding c = coding_arg(state);
  int level = static_cast<int>(state.range(1));
  const std::string& js = sample_js();
  size_t out = 0;
  for (auto _ : state) {
    auto z = compress_all(c, level, js);
    out = z->size();
    benchmark::DoNotOptimize(z);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(js.size()));
  state.counters["ratio"] = static_cast<double>(js.size()) / static_cast<double>(out);
  state.SetLabel(std::string(to_token(c)));
}
BENCHMARK(BM_CompressWhole)
    ->Args({static_cast<int>(ContentCoding::kGzip), 1})
    ->Args({static_cast<int>(ContentCoding::kGzip), 6})
    ->Args({static_cast<int>(ContentCoding::kGzip), 9})
    ->Args({static_cast<int>(ContentCoding::kBrotli), 1})
    ->Args({static_cast<int>(ContentCoding::kBrotli), 5})
    ->Args({static_cast<int>(ContentCoding::kBrotli), 11})
    ->Args({static_cast<int>(ContentCoding::kZstd), 1})
    ->Args({static_cast<int>(ContentCoding::kZstd), 3})
    ->Args({static_cast<int>(ContentCoding::kZstd), 19});

// The streaming path: 64 KiB input pieces, 32 KiB output pieces, unknown total size.
void BM_CompressStreamed(benchmark::State& state) {
  ContentCoding c = coding_arg(state);
  const std::string& js = sample_js();
  for (auto _ : state) {
    auto z = make_compressor(c, CompressionLevels{}.for_coding(c));
    std::string out;
    for (size_t off = 0; off < js.size(); off += 65536) {
      std::string_view in = std::string_view(js).substr(off, 65536);
      bool finish = off + 65536 >= js.size();
      CompressStatus st;
      do {
        out.clear();
        st = z->compress(in, finish, out, 32 * 1024);
      } while (st == CompressStatus::kMore);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(js.size()));
  state.SetLabel(std::string(to_token(c)));
}
BENCHMARK(BM_CompressStreamed)
    ->Arg(static_cast<int>(ContentCoding::kGzip))
    ->Arg(static_cast<int>(ContentCoding::kBrotli))
    ->Arg(static_cast<int>(ContentCoding::kZstd));

// A hot asset from the cache: lookup plus the copy into a response body.
void BM_CompressedCacheHit(benchmark::State& state) {
  CompressedCache cache(64 << 20, 1);
  auto body =
      std::make_shared<const std::string>(*compress_all(ContentCoding::kGzip, 6, sample_js()));
  CompressedKey key{"assets/app.js", 1'700'000'000'000'000'000, sample_js().size(), 42,
                    ContentCoding::kGzip};
  cache.insert(key, body);
  for (auto _ : state) {
    auto hit = cache.find(key);
    std::string copy = *hit;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_CompressedCacheHit);

}  // namespace
}  // namespace portico::http
