// Tests for src/http/compressor.cpp: every coding round-trips through an independent decoder
// (zlib inflate, libbrotlidec, libzstd's decoder), output per step stays bounded, and level
// specs parse with precise errors.
#include "portico/http/compressor.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

namespace portico::http {
namespace {

using C = ContentCoding;

std::string gunzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);  // gzip wrapper only
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[16384];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR) break;
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&z);
  return out;
}

std::string unbrotli(std::string_view in) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  std::string out;
  size_t avail_in = in.size();
  const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    uint8_t buf[16384];
    size_t avail_out = sizeof buf;
    uint8_t* next_out = buf;
    r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
  }
  EXPECT_EQ(r, BROTLI_DECODER_RESULT_SUCCESS);
  EXPECT_EQ(avail_in, 0u);
  BrotliDecoderDestroyInstance(s);
  return out;
}

// Decodes with the window limited to 8 MiB, as RFC 9659 lets HTTP clients do.
std::string unzstd(std::string_view in) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 23);
  std::string out;
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t rc = 1;
  while (ib.pos < ib.size || rc != 0) {
    char buf[16384];
    ZSTD_outBuffer ob{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(rc)) {
      ADD_FAILURE() << ZSTD_getErrorName(rc);
      break;
    }
    out.append(buf, ob.pos);
    if (ib.pos == ib.size && ob.pos == 0 && rc != 0) {
      ADD_FAILURE() << "truncated zstd frame";
      break;
    }
  }
  ZSTD_freeDCtx(d);
  return out;
}

std::string decode(C coding, std::string_view in) {
  switch (coding) {
    case C::kGzip: return gunzip(in);
    case C::kBrotli: return unbrotli(in);
    case C::kZstd: return unzstd(in);
    case C::kIdentity: break;
  }
  return std::string(in);
}

// JavaScript-like text: compressible, not trivially.
std::string sample_text(size_t n, uint32_t seed = 1) {
  static const char* kWords[] = {"function", "return", "const", "let", "this.", "=>",
                                 "{",        "}",      "(",     ")",   ";\n",   "value",
                                 "index",    "render", "0x1f",  " "};
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) s += kWords[rng() % 16];
  s.resize(n);
  return s;
}

std::string random_bytes(size_t n) {
  std::mt19937 rng(7);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Streams `input` through a compressor in `in_step` pieces with `out_step` output per call.
std::string stream_compress(C coding, int level, std::string_view input, size_t in_step,
                            size_t out_step, uint64_t content_size) {
  auto c = make_compressor(coding, level, content_size);
  EXPECT_TRUE(c);
  if (!c) return {};
  std::string out;
  size_t fed = 0;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    size_t take = std::min(in_step, input.size() - fed);
    std::string_view piece = input.substr(fed, take);
    bool finish = fed + take == input.size();
    while (true) {
      size_t before = out.size();
      CompressStatus st = c->compress(piece, finish, out, out_step);
      EXPECT_LE(out.size() - before, out_step) << "output bound exceeded";
      if (st == CompressStatus::kDone) {
        EXPECT_TRUE(piece.empty());
        return out;
      }
      EXPECT_NE(st, CompressStatus::kError);
      if (st == CompressStatus::kError) return out;
      if (st == CompressStatus::kNeedInput) {
        EXPECT_TRUE(piece.empty());
        break;
      }
    }
    fed += take;
  }
  ADD_FAILURE() << "compressor never finished";
  return out;
}

class CompressorRoundTrip : public ::testing::TestWithParam<C> {};

TEST_P(CompressorRoundTrip, DecodesBackToTheInputForManySizesAndSteps) {
  C coding = GetParam();
  CompressionLevels levels;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{100}, size_t{4096}, size_t{100'000}, size_t{700'000}}) {
    std::string text = sample_text(size, static_cast<uint32_t>(size));
    for (size_t in_step : {size_t{1000}, size_t{65536}}) {
      for (size_t out_step : {size_t{7}, size_t{32768}}) {
        if (size > 100'000 && (in_step < 65536 || out_step < 32768)) continue;  // keep it quick
        for (uint64_t hint : {uint64_t{size}, kUnknownContentSize}) {
          SCOPED_TRACE(::testing::Message() << "size " << size << " in " << in_step << " out "
                                            << out_step << " hinted " << (hint == size));
          std::string z =
              stream_compress(coding, levels.for_coding(coding), text, in_step, out_step, hint);
          EXPECT_EQ(decode(coding, z), text);
        }
      }
    }
  }
}

TEST_P(CompressorRoundTrip, ShrinksText) {
  C coding = GetParam();
  std::string text = sample_text(100 * 1024);
  auto z = compress_all(coding, CompressionLevels{}.for_coding(coding), text);
  ASSERT_TRUE(z);
  EXPECT_LT(z->size(), text.size() / 3);
  EXPECT_EQ(decode(coding, *z), text);
}

TEST_P(CompressorRoundTrip, SurvivesIncompressibleInput) {
  C coding = GetParam();
  std::string noise = random_bytes(200'000);
  auto z = compress_all(coding, CompressionLevels{}.for_coding(coding), noise);
  ASSERT_TRUE(z);
  EXPECT_EQ(decode(coding, *z), noise);
}

TEST_P(CompressorRoundTrip, WorksAtEveryLevel) {
  C coding = GetParam();
  std::string text = sample_text(20'000);
  for (int level = min_compression_level(coding); level <= max_compression_level(coding); ++level) {
    auto z = compress_all(coding, level, text);
    ASSERT_TRUE(z) << "level " << level;
    EXPECT_EQ(decode(coding, *z), text) << "level " << level;
  }
}

TEST_P(CompressorRoundTrip, RefusesLevelsOutOfRange) {
  C coding = GetParam();
  EXPECT_EQ(make_compressor(coding, min_compression_level(coding) - 1), nullptr);
  EXPECT_EQ(make_compressor(coding, max_compression_level(coding) + 1), nullptr);
}

TEST_P(CompressorRoundTrip, ReportsItsCoding) {
  auto c = make_compressor(GetParam(), CompressionLevels{}.for_coding(GetParam()));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->coding(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllCodings, CompressorRoundTrip,
                         ::testing::Values(C::kGzip, C::kBrotli, C::kZstd),
                         [](const auto& info) { return std::string(to_token(info.param)); });

TEST(ZstdCompressor, StaysWithinTheEightMebibyteWindowAtItsHighestLevel) {
  // 12 MiB of text with long-distance repeats; a 2^24+ window would fail to decode in unzstd.
  std::string block = sample_text(3 * 1024 * 1024, 3);
  std::string text = block + sample_text(3 * 1024 * 1024, 4) + block + block;
  std::string z = stream_compress(C::kZstd, 19, text, 1 << 20, 1 << 20, kUnknownContentSize);
  EXPECT_EQ(unzstd(z), text);
}

TEST(MakeCompressor, GivesNothingForIdentity) {
  EXPECT_EQ(make_compressor(C::kIdentity, 1), nullptr);
  EXPECT_FALSE(compress_all(C::kIdentity, 1, "abc"));
}

TEST(ParseCompressionLevels, SetsTheNamedCodingsOnly) {
  CompressionLevels levels;
  std::string err;
  ASSERT_TRUE(parse_compression_levels("gzip=9,br=11", levels, &err)) << err;
  EXPECT_EQ(levels.gzip, 9);
  EXPECT_EQ(levels.brotli, 11);
  EXPECT_EQ(levels.zstd, 3);
  ASSERT_TRUE(parse_compression_levels("zstd=19,GZIP=1", levels, &err)) << err;
  EXPECT_EQ(levels.zstd, 19);
  EXPECT_EQ(levels.gzip, 1);
}

TEST(ParseCompressionLevels, NamesTheBadMemberAndChangesNothing) {
  struct Bad {
    const char* spec;
    const char* error;
  };
  const Bad cases[] = {
      {"", ": empty, expected e.g. gzip=6,br=5,zstd=3"},
      {"gzip", "gzip: expected CODING=LEVEL"},
      {"gzip=6,deflate=5", "deflate=5: unknown coding, expected gzip, br or zstd"},
      {"identity=1", "identity=1: unknown coding, expected gzip, br or zstd"},
      {"br=12", "br=12: level must be 0..11"},
      {"gzip=0", "gzip=0: level must be 1..9"},
      {"zstd=22", "zstd=22: level must be 1..19"},
      {"zstd=", "zstd=: level must be 1..19"},
      {"gzip=6x", "gzip=6x: level must be 1..9"},
      {"gzip=-1", "gzip=-1: level must be 1..9"},
      {"gzip=6,", ": expected CODING=LEVEL"},
  };
  for (const Bad& b : cases) {
    CompressionLevels levels;
    std::string err;
    EXPECT_FALSE(parse_compression_levels(b.spec, levels, &err)) << b.spec;
    EXPECT_EQ(err, b.error) << b.spec;
    EXPECT_EQ(levels.gzip, 6) << b.spec;
  }
}

}  // namespace
}  // namespace portico::http
