// What a static file handler compresses and how: codings, levels, sizes, types, cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/accept_encoding.h"
#include "portico/http/compressor.h"

namespace portico::http {

struct CompressionOptions {
  // Compress responses on the fly. Static files carry no secrets reflected from the request,
  // so the BREACH class of attacks does not apply; see docs/compression.md for the default.
  bool enabled = true;
  // Serve app.js.zst / .br / .gz in place of app.js when present and not older (no CPU).
  bool precompressed = true;
  // The server's order of preference; a coding missing here is never sent.
  std::vector<ContentCoding> preference = {kDefaultEncodingPreference.begin(),
                                           kDefaultEncodingPreference.end()};
  CompressionLevels levels;
  // Smaller files are sent as they are: the coding's framing would eat the gain.
  uint64_t min_size_bytes = 256;
  // Media types to compress, without parameters: "text/html" or a whole top-level type
  // "text/*". Empty: is_compressible_type() (text, JSON, JavaScript, XML, SVG, WASM, ...).
  std::vector<std::string> types;
  // Files up to this size are compressed whole into memory and sent with Content-Length (and
  // kept in the cache); larger ones are compressed while being sent, chunked, in bounded
  // memory.
  uint64_t max_whole_file_bytes = 1024 * 1024;
  // Total bytes of compressed files kept in memory; 0 disables the cache.
  size_t cache_bytes = 64 * 1024 * 1024;
  // Cache shards (one per worker thread avoids any waiting); 0: one per hardware thread.
  size_t cache_shards = 0;
};

// Whether responses of `content_type` (parameters allowed) are compressed under `options`.
bool should_compress_type(const CompressionOptions& options, std::string_view content_type);

}  // namespace portico::http
