// A handler that serves files from a document root: GET/HEAD with validators,
// conditional requests, ranges, index files, directory listings, and optional
// PUT/DELETE uploads. Use it alone or mounted on a Router next to other handlers.
//
//   StaticFiles files({.root = "www", .browse = true});
//   server.router().mount("/", files);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/http/accept_encoding.h"
#include "portico/http/compression_options.h"
#include "portico/http/request.h"
#include "portico/http/response.h"

namespace portico::http {

// Caching headers for request paths matching a glob (fnmatch, e.g. "/assets/*",
// "*.css"). The first matching rule wins.
struct CacheRule {
  std::string pattern;
  std::string cache_control;            // e.g. "public, max-age=31536000, immutable"
  std::optional<int64_t> expires_secs;  // also send Expires = now + this
};

struct StaticOptions {
  std::string root = ".";
  std::vector<std::string> index_files = {"index.html"};
  bool browse = false;          // HTML listing of directories without an index file
  bool allow_dotfiles = false;  // names starting with '.' (".well-known" is always served)
  bool allow_symlinks = false;  // symlinks whose target leaves the root
  bool allow_uploads = false;   // PUT (atomic: temporary file + rename) and DELETE
  std::vector<CacheRule> cache_rules;

  // Content codings: precompressed siblings and on-the-fly compression (docs/compression.md).
  CompressionOptions compression;
  // Language variants: a request for "about.html" that does not exist is answered from
  // "about.html.<tag>", chosen by Accept-Language among these tags (preferred first).
  std::vector<std::string> languages;
  // Sent when no acceptable variant exists; added to `languages` when missing there.
  std::string default_language;
};

class StaticFiles {
 public:
  // Opens the root; throws std::system_error naming it when it is not a readable directory,
  // std::invalid_argument for a malformed language tag.
  explicit StaticFiles(StaticOptions options);

  void operator()(const Request& request, Response& response) const;

  const StaticOptions& options() const;

 private:
  struct Impl;
  static const struct CachedFile* resolve(const Impl& im, const std::string& key,
                                          const class PathResult& path, const Request& req,
                                          Response& res, class FileCache& cache, int64_t now_ms,
                                          bool* language_variant);
  static const struct CachedFile* find_sibling(const Impl& im, const struct CachedFile& f,
                                               ContentCoding coding, int64_t now_ms);
  static void serve_file(const Impl& im, const struct CachedFile& f, bool language_variant,
                         const Request& req, Response& res, int64_t now_ms);
  std::shared_ptr<const Impl> impl_;  // shared: copies of the handler are cheap
};

// Parses "PATTERN=CACHE-CONTROL" (as given on the command line); a max-age=N in
// the value also sets Expires. nullopt when there is no '=' or the pattern is empty.
std::optional<CacheRule> parse_cache_rule(std::string_view spec);

}  // namespace portico::http
