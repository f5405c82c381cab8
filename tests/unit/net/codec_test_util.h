// Test helpers for framing codecs: feed a stream in every chunking and collect the frames.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "portico/net/buffer.h"
#include "portico/net/codec.h"

namespace portico::net::testing {

// What decoding one stream produced.
struct DecodeRun {
  std::vector<std::string> frames;
  DecodeStatus status = DecodeStatus::kOk;
  std::string message;
  std::string remaining;  // bytes left in the buffer at the end (or at the error)
  size_t fed = 0;         // bytes handed to the buffer before decoding stopped
};

// Feeds stream to a fresh buffer in chunks ending at the given cut positions (ascending, the
// last one may be omitted), decoding after every chunk, and stops at the first error.
inline DecodeRun feed_chunks(FrameDecoder& decoder, std::string_view stream,
                             const std::vector<size_t>& cuts) {
  DecodeRun run;
  Buffer buf;
  size_t start = 0;
  auto feed = [&](size_t end) {
    buf.append(stream.substr(start, end - start));
    run.fed = end;
    start = end;
    DecodeResult result =
        decoder.decode(buf, [&](std::string_view frame) { run.frames.emplace_back(frame); });
    EXPECT_LE(result.frames, run.frames.size());
    if (!result.ok()) {
      run.status = result.status;
      run.message = result.message;
      EXPECT_FALSE(run.message.empty()) << "an error must say why";
      return false;
    }
    EXPECT_TRUE(result.message.empty());
    return true;
  };
  bool ok = true;
  for (size_t cut : cuts) {
    if (cut <= start || cut > stream.size()) continue;
    if (!(ok = feed(cut))) break;
  }
  if (ok && start < stream.size()) feed(stream.size());
  run.remaining = std::string(buf.view());
  return run;
}

// Chunkings to try for a stream: whole; every two-piece split; one byte at a time; and
// seeded random chunkings (reproducible: the seed is fixed).
inline std::vector<std::vector<size_t>> chunkings(size_t size, int random_runs = 50) {
  std::vector<std::vector<size_t>> all;
  all.push_back({size});
  for (size_t i = 1; i < size; ++i) all.push_back({i, size});
  std::vector<size_t> bytes;
  for (size_t i = 1; i <= size; ++i) bytes.push_back(i);
  all.push_back(bytes);
  std::mt19937 rng(20240613);
  for (int r = 0; r < random_runs; ++r) {
    std::vector<size_t> cuts;
    size_t at = 0;
    while (at < size) {
      at += 1 + rng() % 17;
      cuts.push_back(std::min(at, size));
    }
    all.push_back(cuts);
  }
  return all;
}

using DecoderFactory = std::function<std::unique_ptr<FrameDecoder>()>;

// Asserts that every chunking of stream gives the same result as feeding it whole: the same
// frames, the same status, the same bytes left over. Each chunking uses a fresh decoder; a
// reused decoder (after reset()) must agree too. Returns the whole-stream run.
inline DecodeRun expect_chunking_invariant(const DecoderFactory& make, std::string_view stream) {
  std::unique_ptr<FrameDecoder> reference = make();
  const DecodeRun whole = feed_chunks(*reference, stream, {stream.size()});
  std::unique_ptr<FrameDecoder> reused = make();
  for (const auto& cuts : chunkings(stream.size())) {
    std::unique_ptr<FrameDecoder> fresh = make();
    for (FrameDecoder* decoder : {fresh.get(), reused.get()}) {
      decoder->reset();
      const DecodeRun run = feed_chunks(*decoder, stream, cuts);
      EXPECT_EQ(run.frames, whole.frames) << "chunks: " << cuts.size();
      EXPECT_EQ(run.status, whole.status) << "chunks: " << cuts.size();
      if (whole.status == DecodeStatus::kOk) {
        EXPECT_EQ(run.remaining, whole.remaining);
      } else {
        // Stopped at the bad frame: what is left is a prefix of the stream from the bad
        // frame on (how much of it had arrived depends on the chunking), never less.
        const size_t bad_at = stream.size() - whole.remaining.size();
        EXPECT_EQ(run.remaining, stream.substr(bad_at, run.fed - bad_at));
      }
      if (::testing::Test::HasFailure()) return whole;
    }
  }
  return whole;
}

}  // namespace portico::net::testing
