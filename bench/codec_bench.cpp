// Framing codec decode throughput: a stream of frames fed in socket-sized reads, per codec.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "portico/net/buffer.h"
#include "portico/net/delimiter_codec.h"
#include "portico/net/fixed_length_codec.h"
#include "portico/net/length_prefix_codec.h"

namespace portico::net {
namespace {

constexpr size_t kReadBytes = 16 * 1024;  // a typical read from a busy socket

// Feeds wire to decoder in kReadBytes pieces, as a connection would, decoding after each.
void run_decode(benchmark::State& state, FrameDecoder& decoder, const std::string& wire,
                size_t frames_in_wire) {
  Buffer in;
  size_t frames = 0;
  for (auto _ : state) {
    for (size_t at = 0; at < wire.size(); at += kReadBytes) {
      in.append(std::string_view(wire).substr(at, kReadBytes));
      decoder.decode(in, [&](std::string_view frame) {
        benchmark::DoNotOptimize(frame.data());
        ++frames;
      });
    }
  }
  if (frames != frames_in_wire * state.iterations()) state.SkipWithError("lost frames");
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
  state.SetItemsProcessed(static_cast<int64_t>(frames));
}

std::string payload(size_t n) {
  std::string p(n, 'a');
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>('a' + i % 26);
  return p;
}

void BM_DecodeFixedLength(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  FixedLengthCodec codec(size);
  std::string wire;
  const size_t count = (1 << 20) / size;
  for (size_t i = 0; i < count; ++i) wire += payload(size);
  run_decode(state, codec, wire, count);
}
BENCHMARK(BM_DecodeFixedLength)->Arg(16)->Arg(128)->Arg(1024);

void BM_DecodeDelimiterNewline(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  DelimiterCodec codec("\n", 64 * 1024);
  std::string wire;
  const size_t count = (1 << 20) / (size + 1);
  for (size_t i = 0; i < count; ++i) wire += payload(size) + "\n";
  run_decode(state, codec, wire, count);
}
BENCHMARK(BM_DecodeDelimiterNewline)->Arg(16)->Arg(128)->Arg(1024)->Arg(16384);

void BM_DecodeDelimiterCrlf(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  DelimiterCodec codec("\r\n", 64 * 1024);
  std::string wire;
  const size_t count = (1 << 20) / (size + 2);
  for (size_t i = 0; i < count; ++i) wire += payload(size) + "\r\n";
  run_decode(state, codec, wire, count);
}
BENCHMARK(BM_DecodeDelimiterCrlf)->Arg(16)->Arg(128)->Arg(1024)->Arg(16384);

void BM_DecodeLengthPrefix(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  LengthPrefixCodec codec;
  std::string wire;
  Buffer encoded;
  const size_t count = (1 << 20) / (size + 4);
  for (size_t i = 0; i < count; ++i) codec.encode(payload(size), encoded);
  wire = encoded.retrieve_all_as_string();
  run_decode(state, codec, wire, count);
}
BENCHMARK(BM_DecodeLengthPrefix)->Arg(16)->Arg(128)->Arg(1024)->Arg(16384);

// Encoding a reply with a length header prepended in place (no copy of the body).
void BM_EncodeLengthPrefixInPlace(benchmark::State& state) {
  LengthPrefixCodec codec;
  const std::string body = payload(static_cast<size_t>(state.range(0)));
  Buffer out;
  for (auto _ : state) {
    out.append(body);
    codec.encode_in_place(out);
    benchmark::DoNotOptimize(out.peek());
    out.retrieve_all();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_EncodeLengthPrefixInPlace)->Arg(128)->Arg(4096);

}  // namespace
}  // namespace portico::net
