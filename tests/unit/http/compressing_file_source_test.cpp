// Tests for src/http/compressing_file_source.cpp: a file compressed piece by piece decodes to
// the file, pieces respect the size asked for, work per read is bounded, and a file that
// shrinks underneath ends the body with an error.
#include "portico/http/compressing_file_source.h"

#include <brotli/decode.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace portico::http {
namespace {

namespace fs = std::filesystem;
using C = ContentCoding;

std::string gunzip(std::string_view in) {
  z_stream z{};
  inflateInit2(&z, 16 + MAX_WBITS);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[65536];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

std::string unbrotli(std::string_view in) {
  std::string out;
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  size_t avail_in = in.size();
  const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    uint8_t buf[65536];
    size_t avail_out = sizeof buf;
    uint8_t* next_out = buf;
    r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
  }
  EXPECT_EQ(r, BROTLI_DECODER_RESULT_SUCCESS);
  BrotliDecoderDestroyInstance(s);
  return out;
}

std::string unzstd(std::string_view in) {
  std::string out;
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t rc = 1;
  while (rc != 0) {
    char buf[65536];
    ZSTD_outBuffer ob{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(rc) || (ob.pos == 0 && ib.pos == ib.size && rc != 0)) {
      ADD_FAILURE() << "bad zstd stream";
      break;
    }
    out.append(buf, ob.pos);
  }
  ZSTD_freeDCtx(d);
  return out;
}

std::string decode(C c, std::string_view in) {
  return c == C::kGzip ? gunzip(in) : c == C::kBrotli ? unbrotli(in) : unzstd(in);
}

class CompressingFileSourceTest : public ::testing::TestWithParam<C> {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "portico-cfs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `content` to a file and opens it as the source's FileRef would be.
  std::shared_ptr<const net::FileRef> make_file(const std::string& content) {
    fs::path p = dir_ / "f";
    int wfd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(wfd, 0);
    EXPECT_EQ(::write(wfd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(wfd);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return std::make_shared<net::FileRef>(fd, static_cast<int64_t>(content.size()));
  }

  // Pulls the whole body the way the connection does; fails on kError.
  std::string drain(CompressingFileSource& src, size_t max_bytes, BodySource::Result* last) {
    std::string body;
    for (int i = 0; i < 1'000'000; ++i) {
      std::string piece;
      *last = src.read(piece, max_bytes);
      EXPECT_LE(piece.size(), max_bytes);
      body += piece;
      if (*last != BodySource::Result::kMore) return body;
    }
    ADD_FAILURE() << "stream never ended";
    return body;
  }

  fs::path dir_;
};

std::string text(size_t n) {
  std::mt19937 rng(42);
  static const char* kWords[] = {"alpha ", "beta ", "gamma\n", "delta;", "{x: 1}", "<p>"};
  std::string s;
  while (s.size() < n) s += kWords[rng() % 6];
  s.resize(n);
  return s;
}

TEST_P(CompressingFileSourceTest, StreamsAFileThatDecodesToItsBytes) {
  std::string content = text(300'000);
  auto file = make_file(content);
  for (size_t max_bytes : {size_t{100}, size_t{32 * 1024}}) {
    CompressingFileSource src(file, 0, content.size(), GetParam(), 3);
    BodySource::Result last;
    std::string body = drain(src, max_bytes, &last);
    EXPECT_EQ(last, BodySource::Result::kDone);
    EXPECT_EQ(decode(GetParam(), body), content);
    std::string after;
    EXPECT_EQ(src.read(after, 100), BodySource::Result::kDone);
    EXPECT_TRUE(after.empty());
  }
}

TEST_P(CompressingFileSourceTest, CompressesARegionOfTheFile) {
  std::string content = text(200'000);
  auto file = make_file(content);
  CompressingFileSource src(file, 1000, 150'000, GetParam(), 1);
  BodySource::Result last;
  std::string body = drain(src, 16 * 1024, &last);
  EXPECT_EQ(last, BodySource::Result::kDone);
  EXPECT_EQ(decode(GetParam(), body), content.substr(1000, 150'000));
}

TEST_P(CompressingFileSourceTest, EncodesAnEmptyFile) {
  auto file = make_file("");
  CompressingFileSource src(file, 0, 0, GetParam(), 3);
  BodySource::Result last;
  std::string body = drain(src, 1024, &last);
  EXPECT_EQ(last, BodySource::Result::kDone);
  EXPECT_FALSE(body.empty());  // a valid empty stream still has a header and trailer
  EXPECT_EQ(decode(GetParam(), body), "");
}

TEST_P(CompressingFileSourceTest, BoundsTheInputConsumedPerRead) {
  // Zeros shrink ~1000x: without a bound one read would eat the whole file.
  const size_t size = 8 * CompressingFileSource::kMaxInputPerRead;
  std::string content(size, '\0');
  auto file = make_file(content);
  CompressingFileSource src(file, 0, size, GetParam(), 3);
  std::string piece;
  EXPECT_EQ(src.read(piece, 64 * 1024), BodySource::Result::kMore);
  BodySource::Result last;
  std::string body = piece + drain(src, 64 * 1024, &last);
  EXPECT_EQ(last, BodySource::Result::kDone);
  EXPECT_EQ(decode(GetParam(), body), content);
}

TEST_P(CompressingFileSourceTest, FailsWhenTheFileShrinks) {
  std::string content = text(500'000);
  auto file = make_file(content);
  CompressingFileSource src(file, 0, content.size(), GetParam(), 3);
  std::string piece;
  ASSERT_NE(src.read(piece, 1024), BodySource::Result::kError);
  ASSERT_EQ(::truncate((dir_ / "f").c_str(), 100'000), 0);
  BodySource::Result last;
  drain(src, 64 * 1024, &last);
  EXPECT_EQ(last, BodySource::Result::kError);
}

TEST_P(CompressingFileSourceTest, CostsNothingUntilRead) {
  // A HEAD response carries the source but never reads it; destroying it unread is fine.
  auto file = make_file(text(1000));
  CompressingFileSource src(file, 0, 1000, GetParam(), 3);
  EXPECT_EQ(src.coding(), GetParam());
}

TEST(CompressingFileSource, FailsOnAnInvalidLevel) {
  auto file = std::make_shared<net::FileRef>(::open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
  CompressingFileSource src(file, 0, 0, C::kGzip, 42);
  std::string piece;
  EXPECT_EQ(src.read(piece, 100), BodySource::Result::kError);
}

INSTANTIATE_TEST_SUITE_P(AllCodings, CompressingFileSourceTest,
                         ::testing::Values(C::kGzip, C::kBrotli, C::kZstd),
                         [](const auto& info) { return std::string(to_token(info.param)); });

}  // namespace
}  // namespace portico::http
