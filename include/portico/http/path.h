// Request path -> safe path relative to a document root, and opening it without escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "portico/http/status.h"

namespace portico::http {

// Why a request path was refused. to_status() maps each to the response in one place.
enum class PathError : uint8_t {
  kNotOriginForm,  // empty, or does not start with '/'             -> 400
  kBadEncoding,    // '%' not followed by two hex digits; raw '#'   -> 400
  kNulByte,        // %00                                           -> 400
  kControlByte,    // a byte < 0x20 or 0x7f, raw or decoded         -> 400
  kBackslash,      // '\' raw or as %5c                             -> 400
  kInvalidUtf8,    // not UTF-8, including overlong forms (%c0%ae)  -> 400
  kTraversal,      // a ".." that would climb above the root        -> 400
  kDotfile,        // a segment starting with '.', not allowed      -> 404
};

Status to_status(PathError e);
std::string_view to_string(PathError e);

struct PathOptions {
  // Serve names starting with '.' (".git", ".env", ".htpasswd"). Off: they answer 404.
  bool allow_dotfiles = false;
  // Even with dotfiles off, serve "/.well-known/..." (RFC 8615: ACME challenges, security.txt).
  // Only the first segment is excused; ".well-known/.hidden" is still a dotfile.
  bool allow_well_known = true;
};

// A normalized path: segments joined by '/', no leading or trailing '/', no "." or ".."
// segments, no empty segments. "" is the root itself.
class PathResult {
 public:
  static PathResult success(std::string relative, bool trailing_slash) {
    return PathResult(std::move(relative), trailing_slash);
  }
  static PathResult failure(PathError e) { return PathResult(e); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  PathError error() const { return error_; }  // meaningful only when !ok()
  const std::string& relative() const { return relative_; }
  // The URL path names a directory: it ends in '/' (raw or %2f), or in a "." or ".." segment
  // (RFC 3986 5.2.4 leaves a trailing '/' for those). "/dir" without it gets a 301 to "/dir/".
  bool trailing_slash() const { return trailing_slash_; }

 private:
  PathResult(std::string relative, bool trailing)
      : ok_(true), trailing_slash_(trailing), relative_(std::move(relative)) {}
  explicit PathResult(PathError e) : error_(e) {}

  bool ok_ = false;
  bool trailing_slash_ = false;
  PathError error_ = PathError::kNotOriginForm;
  std::string relative_;
};

// Turns the path of an origin-form request target into a relative file path.
// `raw_path` is the path component as received; anything from a raw '?' on is a query and is
// ignored. The steps, in this order, so that no encoding can smuggle a separator or dot past
// normalization:
//   1. percent-decode exactly once ("%252e" becomes the literal name "%2e", never ".");
//   2. refuse NUL, control bytes, backslash (see below) and invalid or overlong UTF-8;
//   3. split at '/' (a decoded %2f separates like '/', as in nginx), drop empty and "."
//      segments, and resolve ".." against the segments so far: a ".." at the root is
//      kTraversal, never clamped, because only an attacker or a broken client sends it;
//   4. refuse dotfile segments unless options allow them.
// Backslash is refused rather than treated as a name byte: on Linux it is an ordinary byte,
// but the same tree may be shared with Windows tools or reached through proxies that treat it
// as a separator, and no legitimate site needs it in a URL.
PathResult normalize_request_path(std::string_view raw_path, const PathOptions& options = {});

// Opens `relative_path` (as produced by normalize_request_path; "" is the root) beneath
// `root_dirfd` with O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, for files and directories
// alike. O_NONBLOCK keeps a FIFO in the tree from blocking the caller; the caller must fstat()
// the result and serve only regular files and directories.
// Unless `allow_symlinks_out`, a symlink whose target lies outside the root (absolute targets
// included) is refused with EXDEV, and so is any ".." that would climb out: openat2() with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS on Linux >= 5.6, otherwise an equivalent walk one
// component at a time (O_NOFOLLOW; symlinks expanded by hand, ".." answered from the stack of
// directories already opened, so a concurrent rename cannot move the walk out of the root).
// A path that is absolute or has a ".." segment is refused with EINVAL before any lookup.
// Returns the fd, or -1 with *err set to an errno value (see status_for_open_error).
int open_under_root(int root_dirfd, std::string_view relative_path, bool allow_symlinks_out,
                    int* err);

// The response for a failed open: ENOENT, ENOTDIR, ENAMETOOLONG, EXDEV, ELOOP, EINVAL -> 404
// (a refused symlink looks like a missing file); EACCES, EPERM -> 403; EMFILE, ENFILE -> 503;
// anything else -> 500.
Status status_for_open_error(int err);

}  // namespace portico::http
