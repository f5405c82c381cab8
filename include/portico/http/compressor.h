// Streaming encoders for the gzip, br and zstd content codings (RFC 9110 8.4.1, RFC 7932,
// RFC 9659), with per-coding levels and bounded output per step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "portico/http/accept_encoding.h"

namespace portico::http {

// Compression level per coding. Defaults trade CPU for size the way CDNs do for on-the-fly
// compression: gzip 6 (zlib's and nginx's default), brotli 5, zstd 3 (zstd's default).
struct CompressionLevels {
  int gzip = 6;
  int brotli = 5;
  int zstd = 3;

  int for_coding(ContentCoding coding) const;
};

// The valid levels: gzip 1..9, br 0..11, zstd 1..19 (20..22 need windows larger than the
// 8 MiB RFC 9659 allows for HTTP).
int min_compression_level(ContentCoding coding);
int max_compression_level(ContentCoding coding);

// Parses "gzip=6,br=5,zstd=3" (any subset, any order; names as in Accept-Encoding) into
// `levels`, leaving unnamed codings as they were. On an unknown name, a missing or
// non-numeric level, or a level out of range, returns false and sets *error to one line
// naming the member, e.g. "br=12: level must be 0..11".
bool parse_compression_levels(std::string_view spec, CompressionLevels& levels, std::string* error);

enum class CompressStatus : uint8_t {
  kNeedInput,  // every input byte was taken; call again with more input (or with finish)
  kMore,       // the output limit was reached or work remains; call again
  kDone,       // finish was set and the stream is complete, trailer included
  kError,      // the encoder failed (out of memory); the stream is unusable
};

// One compressed stream. Not thread-safe; one per response.
class Compressor {
 public:
  virtual ~Compressor() = default;

  // Takes bytes from the front of `input` (advancing it) and appends at most `max_output`
  // bytes to `out`. With `finish`, `input` holds the last bytes of the data: call again (with
  // the rest of `input`, possibly empty) until kDone. Bounded output lets the caller keep each
  // step's memory small whatever the compression ratio.
  virtual CompressStatus compress(std::string_view& input, bool finish, std::string& out,
                                  size_t max_output) = 0;

  virtual ContentCoding coding() const = 0;
};

// Passed as content_size when the input's size is not known in advance.
inline constexpr uint64_t kUnknownContentSize = UINT64_MAX;

// A new encoder, or nullptr for identity, a level out of range, or a failed allocation.
// `content_size`, when known, must be the exact number of bytes that will be fed: small inputs
// then get a small window (less memory per stream, same output), and zstd records the size
// in its frame header. Feeding a different number of bytes makes a zstd stream fail.
std::unique_ptr<Compressor> make_compressor(ContentCoding coding, int level,
                                            uint64_t content_size = kUnknownContentSize);

// Compresses `input` in one go (for the cache of small files); nullopt on failure.
std::optional<std::string> compress_all(ContentCoding coding, int level, std::string_view input);

}  // namespace portico::http
