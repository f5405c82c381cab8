// `portico serve` compression flags: declaration (CLI11) and validation.
#include "server/compression_flags.h"

#include <CLI/CLI.hpp>

#include "portico/http/accept_language.h"
#include "server/units.h"

namespace portico::server {

void add_compression_flags(CLI::App& serve, CompressionFlags& f) {
  serve.add_flag("--compress,!--no-compress", f.compress,
                 "Compress text responses on the fly (zstd, br, gzip; default: on)");
  serve.add_flag("--precompressed,!--no-precompressed", f.precompressed,
                 "Serve FILE.zst/.br/.gz siblings when present (default: on)");
  serve.add_option("--compress-level", f.levels,
                   "Levels per coding, e.g. gzip=6,br=5,zstd=3 (the defaults)");
  serve.add_option("--compress-cache", f.cache_size,
                   "Memory for compressed small files, e.g. 64m (the default); 0 disables");
  serve.add_option("--languages", f.languages,
                   "Site languages for variants FILE.<lang>, e.g. en,de,fr (preferred first)");
  serve.add_option("--default-language", f.default_language,
                   "Variant sent when no Accept-Language matches");
}

bool apply_compression_flags(const CompressionFlags& f, http::StaticOptions& out,
                             std::string* error) {
  http::CompressionOptions& c = out.compression;
  c.enabled = f.compress;
  c.precompressed = f.precompressed;
  if (!f.levels.empty()) {
    std::string why;
    if (!http::parse_compression_levels(f.levels, c.levels, &why)) {
      *error = "--compress-level '" + f.levels + "': " + why;
      return false;
    }
  }
  if (!f.cache_size.empty()) {
    auto bytes = parse_size_bytes(f.cache_size);
    if (!bytes) {
      *error = "--compress-cache '" + f.cache_size + "': expected a size like 64m or 0";
      return false;
    }
    c.cache_bytes = static_cast<size_t>(*bytes);
  }
  out.languages.clear();
  std::string_view rest = f.languages;
  for (bool more = !rest.empty(); more;) {
    size_t comma = rest.find(',');
    std::string_view tag = rest.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) rest.remove_prefix(comma + 1);
    if (!http::is_valid_language_tag(tag)) {
      *error = "--languages '" + f.languages + "': '" + std::string(tag) +
               "' is not a language tag like en or de-CH";
      return false;
    }
    out.languages.emplace_back(tag);
  }
  if (!f.default_language.empty()) {
    if (!http::is_valid_language_tag(f.default_language)) {
      *error = "--default-language '" + f.default_language +
               "': expected a language tag like en or de-CH";
      return false;
    }
    out.default_language = f.default_language;
  }
  return true;
}

}  // namespace portico::server
