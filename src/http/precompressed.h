// Internal to http/: finding a precompressed sibling of a file (app.js.br next to app.js).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string_view>

#include "portico/http/accept_encoding.h"

namespace portico::http {

// Opens `relative_path` + sibling_suffix(coding) beneath `root_fd` (with the same symlink
// rules as the original) when it is a regular file whose mtime is not older than the
// original's. "Not older", not "newer": gzip -k, brotli and zstd copy the original's mtime to
// the file they write, so the sibling usually has exactly the original's mtime; an original
// edited after its siblings were made is newer than them, and they are ignored until rebuilt.
// Returns the fd (the caller owns it) and fills *sibling, or returns -1.
int open_precompressed_sibling(int root_fd, std::string_view relative_path, ContentCoding coding,
                               int64_t original_mtime_ns, bool allow_symlinks,
                               struct stat* sibling);

}  // namespace portico::http
