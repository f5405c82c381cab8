// Buffer micro benchmarks: append/retrieve cycles, prepend of a length header, line search.
#include <benchmark/benchmark.h>

#include <string>

#include "portico/net/buffer.h"

namespace portico::net {
namespace {

// A connection's steady state: a read appends a chunk, the parser consumes it.
void BM_BufferAppendRetrieve(benchmark::State& state) {
  const std::string chunk(static_cast<size_t>(state.range(0)), 'x');
  Buffer buf;
  for (auto _ : state) {
    buf.append(chunk);
    benchmark::DoNotOptimize(buf.peek());
    buf.retrieve(chunk.size());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(chunk.size()));
}
BENCHMARK(BM_BufferAppendRetrieve)->Arg(16)->Arg(256)->Arg(4096)->Arg(65536);

// Producer ahead of consumer: four appends per retrieve of the same total, so the buffer keeps
// a backlog and exercises compaction and growth.
void BM_BufferBacklogged(benchmark::State& state) {
  const std::string chunk(static_cast<size_t>(state.range(0)), 'y');
  Buffer buf;
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) buf.append(chunk);
    buf.retrieve(3 * chunk.size());
    if (buf.readable_bytes() > 1024 * 1024) buf.retrieve_all();
  }
  state.SetBytesProcessed(state.iterations() * 4 * static_cast<int64_t>(chunk.size()));
}
BENCHMARK(BM_BufferBacklogged)->Arg(100)->Arg(1500);

// Length-prefix framing without copying the body: append body, prepend header, drain.
void BM_BufferPrependHeader(benchmark::State& state) {
  const std::string body(static_cast<size_t>(state.range(0)), 'b');
  Buffer buf;
  for (auto _ : state) {
    buf.append(body);
    buf.prepend_uint32(static_cast<uint32_t>(body.size()));
    benchmark::DoNotOptimize(buf.peek_uint32());
    buf.retrieve_all();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size() + 4));
}
BENCHMARK(BM_BufferPrependHeader)->Arg(64)->Arg(1024);

// Integer helpers on a message header.
void BM_BufferIntegers(benchmark::State& state) {
  Buffer buf;
  uint64_t sum = 0;
  for (auto _ : state) {
    buf.append_uint8(1);
    buf.append_uint16(2);
    buf.append_uint32(3);
    buf.append_uint64(4);
    sum += buf.read_uint8() + buf.read_uint16() + buf.read_uint32() + buf.read_uint64();
  }
  benchmark::DoNotOptimize(sum);
}
BENCHMARK(BM_BufferIntegers);

// Finding CRLF in a buffer of short lines, as a line parser would.
void BM_BufferFindCrlf(benchmark::State& state) {
  Buffer buf;
  for (int i = 0; i < 1000; ++i) buf.append("Header-Name: some header value here\r\n");
  for (auto _ : state) {
    size_t pos = 0;
    size_t lines = 0;
    while ((pos = buf.find_crlf(pos)) != Buffer::npos) {
      pos += 2;
      ++lines;
    }
    benchmark::DoNotOptimize(lines);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buf.readable_bytes()));
}
BENCHMARK(BM_BufferFindCrlf);

// The idle-connection pattern: allocate on first use, release when drained.
void BM_BufferReleaseCycle(benchmark::State& state) {
  Buffer buf;
  for (auto _ : state) {
    buf.append("GET / HTTP/1.1\r\n\r\n");
    buf.retrieve_all();
    buf.release();
  }
}
BENCHMARK(BM_BufferReleaseCycle);

}  // namespace
}  // namespace portico::net
