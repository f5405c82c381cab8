// gzip (zlib), br (libbrotlienc) and zstd (libzstd) behind one streaming interface.
#include "portico/http/compressor.h"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <charconv>
#include <climits>

namespace portico::http {

namespace {

// The smallest window that holds the whole input (within the coding's limits): a file
// smaller than the default window compresses identically with less memory.
int window_bits_for(uint64_t content_size, int min_bits, int max_bits) {
  if (content_size == kUnknownContentSize) return max_bits;
  int bits = min_bits;
  while (bits < max_bits && (uint64_t{1} << bits) < content_size) ++bits;
  return bits;
}

// Grows `out` by up to `max_output` bytes for an encoder to write into; `finish_output`
// trims it back to what was written.
unsigned char* reserve_output(std::string& out, size_t max_output) {
  size_t old = out.size();
  out.resize(old + max_output);
  return reinterpret_cast<unsigned char*>(out.data() + old);
}

void finish_output(std::string& out, size_t unused) { out.resize(out.size() - unused); }

class GzipCompressor final : public Compressor {
 public:
  bool init(int level, uint64_t content_size) {
    // 16 + windowBits selects the gzip wrapper (RFC 1952); zlib cannot do a 256-byte window.
    int wbits = window_bits_for(content_size, 9, MAX_WBITS);
    int mem_level = std::clamp(wbits - 7, 1, 8);  // the hash table sized like the window
    ok_ = deflateInit2(&z_, level, Z_DEFLATED, 16 + wbits, mem_level, Z_DEFAULT_STRATEGY) == Z_OK;
    return ok_;
  }
  ~GzipCompressor() override {
    if (ok_) deflateEnd(&z_);
  }

  CompressStatus compress(std::string_view& input, bool finish, std::string& out,
                          size_t max_output) override {
    if (max_output == 0) return CompressStatus::kMore;
    // zlib counts in uInt: feed at most 4 GiB per step.
    uInt in_len = static_cast<uInt>(std::min<size_t>(input.size(), UINT_MAX));
    uInt out_len = static_cast<uInt>(std::min<size_t>(max_output, UINT_MAX));
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z_.avail_in = in_len;
    z_.next_out = reserve_output(out, out_len);
    z_.avail_out = out_len;
    bool last = finish && in_len == input.size();
    int rc = deflate(&z_, last ? Z_FINISH : Z_NO_FLUSH);
    size_t consumed = in_len - z_.avail_in;
    size_t produced = out_len - z_.avail_out;
    input.remove_prefix(consumed);
    finish_output(out, z_.avail_out);
    if (rc == Z_STREAM_END) return CompressStatus::kDone;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return CompressStatus::kError;
    if (z_.avail_out == 0 || !input.empty()) return CompressStatus::kMore;
    if (!finish) return CompressStatus::kNeedInput;
    // Finishing with room left and no end: only possible if zlib made no progress at all.
    return consumed + produced > 0 ? CompressStatus::kMore : CompressStatus::kError;
  }

  ContentCoding coding() const override { return ContentCoding::kGzip; }

 private:
  z_stream z_{};
  bool ok_ = false;
};

class BrotliCompressor final : public Compressor {
 public:
  bool init(int level, uint64_t content_size) {
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (!state_) return false;
    int lgwin = window_bits_for(content_size, BROTLI_MIN_WINDOW_BITS, BROTLI_DEFAULT_WINDOW);
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, static_cast<uint32_t>(level));
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, static_cast<uint32_t>(lgwin));
    if (content_size != kUnknownContentSize) {
      uint32_t hint = static_cast<uint32_t>(std::min<uint64_t>(content_size, 1u << 30));
      BrotliEncoderSetParameter(state_, BROTLI_PARAM_SIZE_HINT, hint);
    }
    return true;
  }
  ~BrotliCompressor() override {
    if (state_) BrotliEncoderDestroyInstance(state_);
  }

  CompressStatus compress(std::string_view& input, bool finish, std::string& out,
                          size_t max_output) override {
    if (max_output == 0) return CompressStatus::kMore;
    size_t avail_in = input.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(input.data());
    size_t avail_out = max_output;
    uint8_t* next_out = reserve_output(out, max_output);
    BrotliEncoderOperation op = finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    BROTLI_BOOL ok = BrotliEncoderCompressStream(state_, op, &avail_in, &next_in, &avail_out,
                                                 &next_out, nullptr);
    input.remove_prefix(input.size() - avail_in);
    finish_output(out, avail_out);
    if (!ok) return CompressStatus::kError;
    if (finish && BrotliEncoderIsFinished(state_)) return CompressStatus::kDone;
    if (!finish && input.empty() && !BrotliEncoderHasMoreOutput(state_)) {
      return CompressStatus::kNeedInput;
    }
    return CompressStatus::kMore;
  }

  ContentCoding coding() const override { return ContentCoding::kBrotli; }

 private:
  BrotliEncoderState* state_ = nullptr;
};

// RFC 9659 3: a zstd content coding must not need a window larger than 8 MiB to decode.
constexpr int kZstdMaxWindowLog = 23;

class ZstdCompressor final : public Compressor {
 public:
  bool init(int level, uint64_t content_size) {
    cctx_ = ZSTD_createCCtx();
    if (!cctx_) return false;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level))) return false;
    // Levels up to 19 use windows of at most 2^23 (zstd's level table); 20..22 are refused by
    // max_compression_level. Setting ZSTD_c_windowLog here would instead force a large window
    // (and its memory) onto the fast levels whenever the size is unknown.
    static_assert(kZstdMaxWindowLog == 23);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);  // 4 bytes buy end-to-end checking
    if (content_size != kUnknownContentSize &&
        ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx_, content_size))) {
      return false;
    }
    return true;
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(cctx_); }

  CompressStatus compress(std::string_view& input, bool finish, std::string& out,
                          size_t max_output) override {
    if (max_output == 0) return CompressStatus::kMore;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    ZSTD_outBuffer o{reserve_output(out, max_output), max_output, 0};
    size_t rc = ZSTD_compressStream2(cctx_, &o, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
    input.remove_prefix(in.pos);
    finish_output(out, max_output - o.pos);
    if (ZSTD_isError(rc)) return CompressStatus::kError;
    if (finish && rc == 0) return CompressStatus::kDone;
    if (!finish && input.empty() && o.pos < o.size) return CompressStatus::kNeedInput;
    return CompressStatus::kMore;
  }

  ContentCoding coding() const override { return ContentCoding::kZstd; }

 private:
  ZSTD_CCtx* cctx_ = nullptr;
};

template <typename T>
std::unique_ptr<Compressor> make(int level, uint64_t content_size) {
  auto c = std::make_unique<T>();
  if (!c->init(level, content_size)) return nullptr;
  return c;
}

}  // namespace

int CompressionLevels::for_coding(ContentCoding coding) const {
  switch (coding) {
    case ContentCoding::kGzip: return gzip;
    case ContentCoding::kBrotli: return brotli;
    case ContentCoding::kZstd: return zstd;
    case ContentCoding::kIdentity: break;
  }
  return 0;
}

int min_compression_level(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip: return 1;
    case ContentCoding::kBrotli: return BROTLI_MIN_QUALITY;
    case ContentCoding::kZstd: return 1;
    case ContentCoding::kIdentity: break;
  }
  return 0;
}

int max_compression_level(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip: return 9;
    case ContentCoding::kBrotli: return BROTLI_MAX_QUALITY;
    case ContentCoding::kZstd: return 19;
    case ContentCoding::kIdentity: break;
  }
  return 0;
}

bool parse_compression_levels(std::string_view spec, CompressionLevels& levels,
                              std::string* error) {
  CompressionLevels parsed = levels;
  auto fail = [&](std::string_view member, std::string_view why) {
    if (error) {
      *error = std::string(member);
      *error += ": ";
      *error += why;
    }
    return false;
  };
  if (spec.empty()) return fail(spec, "empty, expected e.g. gzip=6,br=5,zstd=3");
  for (bool more = true; more;) {
    size_t comma = spec.find(',');
    std::string_view member = spec.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) spec.remove_prefix(comma + 1);
    size_t eq = member.find('=');
    if (eq == std::string_view::npos) return fail(member, "expected CODING=LEVEL");
    auto coding = parse_content_coding(member.substr(0, eq));
    if (!coding || *coding == ContentCoding::kIdentity) {
      return fail(member, "unknown coding, expected gzip, br or zstd");
    }
    std::string_view digits = member.substr(eq + 1);
    int level = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), level);
    int lo = min_compression_level(*coding);
    int hi = max_compression_level(*coding);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || level < lo ||
        level > hi) {
      return fail(member, "level must be " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    switch (*coding) {
      case ContentCoding::kGzip: parsed.gzip = level; break;
      case ContentCoding::kBrotli: parsed.brotli = level; break;
      case ContentCoding::kZstd: parsed.zstd = level; break;
      case ContentCoding::kIdentity: break;
    }
  }
  levels = parsed;
  return true;
}

std::unique_ptr<Compressor> make_compressor(ContentCoding coding, int level,
                                            uint64_t content_size) {
  if (coding == ContentCoding::kIdentity || level < min_compression_level(coding) ||
      level > max_compression_level(coding)) {
    return nullptr;
  }
  switch (coding) {
    case ContentCoding::kGzip: return make<GzipCompressor>(level, content_size);
    case ContentCoding::kBrotli: return make<BrotliCompressor>(level, content_size);
    case ContentCoding::kZstd: return make<ZstdCompressor>(level, content_size);
    case ContentCoding::kIdentity: break;
  }
  return nullptr;
}

std::optional<std::string> compress_all(ContentCoding coding, int level, std::string_view input) {
  auto c = make_compressor(coding, level, input.size());
  if (!c) return std::nullopt;
  std::string out;
  out.reserve(input.size() / 3 + 64);
  // Output steps grow with the input so a large input takes few steps.
  const size_t step = std::max<size_t>(16 * 1024, input.size() / 4);
  while (true) {
    size_t before_in = input.size();
    size_t before_out = out.size();
    switch (c->compress(input, true, out, step)) {
      case CompressStatus::kDone: return out;
      case CompressStatus::kError: return std::nullopt;
      case CompressStatus::kNeedInput:
      case CompressStatus::kMore: break;
    }
    // An encoder that neither takes nor gives bytes would spin forever.
    if (input.size() == before_in && out.size() == before_out) return std::nullopt;
  }
}

}  // namespace portico::http
