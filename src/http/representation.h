// Internal to http/: which representation of a static file a request gets (RFC 9110 12.1,
// proactive negotiation): the language variant, the content coding, and the encoded body.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/accept_encoding.h"
#include "portico/http/compressed_cache.h"
#include "portico/http/compression_options.h"
#include "portico/http/request.h"

namespace portico::http {

// The value of a request field that may be sent several times, as one list (RFC 9110 5.3):
// a view of the only field, or the fields joined with ", " into `storage`. "" when absent.
std::string_view combined_field(const Request& req, std::string_view name, std::string& storage);

// ---- Language variants (about.html.en, about.html.de) ---------------------------------------

// A variant that was opened: its path relative to the root and its language tag.
struct LanguageVariant {
  int fd = -1;  // the caller owns it
  std::string relative;
  std::string language;
};

// Opens the best variant "<relative>.<tag>" of a file that does not exist itself. Candidates,
// each tried until one opens as a regular file: the site's languages the request accepts, best
// first (rank_languages), then `default_language`, then the remaining site languages in their
// configured order (a page in some language beats a 404; RFC 9110 12.1 lets a server send a
// representation the client did not ask for). fd -1 when no variant exists or `languages` is
// empty. Costs one openat per candidate tried, so it only runs for missing files.
LanguageVariant open_language_variant(int root_fd, std::string_view relative, const Request& req,
                                      const std::vector<std::string>& languages,
                                      std::string_view default_language, bool allow_symlinks);

// The site language a file name ends in ("about.html.de" -> "de"; the suffix is compared
// case-insensitively), or "" when it does not end in one. Such a file takes its Content-Type
// from the name without the suffix ("about.html").
std::string_view language_suffix(std::string_view relative,
                                 const std::vector<std::string>& languages);

// ---- Content codings -------------------------------------------------------------------------

struct EncodingChoice {
  enum class Kind : uint8_t {
    kIdentity,        // the file as it is
    kPrecompressed,   // a sibling file (the one has_sibling found): ranges allowed
    kCompressWhole,   // compress the whole file into memory (or take it from the cache)
    kCompressStream,  // compress while sending, chunked
    kNotAcceptable,   // 406: identity refused and no acceptable coding available
  };
  Kind kind = Kind::kIdentity;
  ContentCoding coding = ContentCoding::kIdentity;
  // The response depends on Accept-Encoding (send Vary), even when identity was chosen.
  bool vary = false;
};

// Whether a usable precompressed sibling exists for a coding (the caller remembers which).
using SiblingProbe = std::function<bool(ContentCoding)>;

// Chooses the coding for a regular file of `size` bytes and `content_type`. Only types that
// should_compress_type accepts are negotiated; others are always identity, without Vary, and
// Accept-Encoding is ignored for them (a 406 for a PNG would help nobody). Order of choice:
//   1. a precompressed sibling (has_sibling), by server preference among the codings the
//      client accepts: it costs no CPU and may have been made at a level too slow for
//      on-the-fly use;
//   2. on-the-fly compression, by server preference, when enabled, the file has at least
//      min_size_bytes, and the request is not a GET with Range: a range of an on-the-fly
//      stream cannot be served without compressing everything before it, so ranges get the
//      identity representation (RFC 9110 14: ranges address the selected representation);
//   3. identity when acceptable, else kNotAcceptable.
EncodingChoice choose_encoding(const Request& req, const CompressionOptions& options, uint64_t size,
                               std::string_view content_type, const SiblingProbe& has_sibling);

// The whole file compressed with `key.coding`: from `cache` when it holds this version of the
// file (cache may be null), else compressed from `loaded` (the file's bytes when the caller
// already holds them) or read from `fd`, and stored. A file that changed while it was read
// (fstat no longer matches the key) is sent but not stored. nullptr when reading or
// compressing fails.
std::shared_ptr<const std::string> compress_whole_file(const CompressedKey& key, int fd,
                                                       const std::string* loaded, int level,
                                                       CompressedCache* cache);

// "Accept-Encoding", "Accept-Language", both joined, or "" (RFC 9110 12.5.5).
std::string_view vary_value(bool accept_encoding, bool accept_language);

}  // namespace portico::http
