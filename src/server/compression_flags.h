// The compression and language negotiation flags of `portico serve`, and their translation
// into http::StaticOptions (docs/compression.md).
#pragma once

#include <string>

#include "portico/http/static_files.h"

namespace CLI {
class App;
}

namespace portico::server {

struct CompressionFlags {
  bool compress = true;       // --compress / --no-compress
  bool precompressed = true;  // --precompressed / --no-precompressed
  std::string levels;         // --compress-level gzip=6,br=5,zstd=3
  std::string cache_size;     // --compress-cache SIZE (0 disables); empty keeps the default
  std::string languages;      // --languages en,de,fr
  std::string default_language;
};

// Declares the flags on the `serve` subcommand.
void add_compression_flags(CLI::App& serve, CompressionFlags& flags);

// Checks the flags and fills the compression and language fields of `out`. On a bad value
// returns false with one line in *error naming the flag and what is wrong.
bool apply_compression_flags(const CompressionFlags& flags, http::StaticOptions& out,
                             std::string* error);

}  // namespace portico::server
