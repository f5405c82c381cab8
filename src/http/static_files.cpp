// Serving files: method checks, safe path resolution, validators and
// conditionals (RFC 9110 13), ranges (RFC 9110 14), index files and listings, and the
// negotiated representation (language variant, content coding; representation.h).
#include "portico/http/static_files.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "http/file_cache.h"
#include "http/file_upload.h"
#include "http/precompressed.h"
#include "http/representation.h"
#include "portico/base/clock.h"
#include "portico/base/log.h"
#include "portico/http/accept_language.h"
#include "portico/http/compressing_file_source.h"
#include "portico/http/conditional.h"
#include "portico/http/dir_listing.h"
#include "portico/http/etag.h"
#include "portico/http/http_date.h"
#include "portico/http/mime.h"
#include "portico/http/path.h"
#include "portico/http/range.h"

namespace portico::http {

struct StaticFiles::Impl {
  StaticOptions options;
  int root_fd = -1;
  std::string allow;                            // the Allow field for every path
  std::unique_ptr<CompressedCache> compressed;  // null when compression.cache_bytes is 0
  // Its address names the per-thread FileCache of precompressed siblings, kept apart from the
  // files' own so that storing a sibling never evicts the entry being served.
  char sibling_cache_owner = 0;

  ~Impl() {
    if (root_fd >= 0) ::close(root_fd);
  }
};

namespace {

// Closes an fd on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::optional<std::string_view> field(const Request& req, std::string_view name) {
  const HeaderView* h = req.head().find(name);
  if (!h) return std::nullopt;
  return h->value;
}

ConditionalFields conditional_fields(const Request& req) {
  ConditionalFields f;
  f.if_match = field(req, "If-Match");
  f.if_none_match = field(req, "If-None-Match");
  f.if_modified_since = field(req, "If-Modified-Since");
  f.if_unmodified_since = field(req, "If-Unmodified-Since");
  f.if_range = field(req, "If-Range");
  return f;
}

void apply_cache_rules(const StaticOptions& o, std::string_view path, Response& res) {
  if (o.cache_rules.empty()) return;
  std::string p(path);
  for (const auto& rule : o.cache_rules) {
    if (::fnmatch(rule.pattern.c_str(), p.c_str(), 0) != 0) continue;
    res.set_header("Cache-Control", rule.cache_control);
    if (rule.expires_secs) {
      res.set_header("Expires", format_http_date(std::time(nullptr) + *rule.expires_secs).view());
    }
    return;
  }
}

// The redirect target for a directory named without its trailing slash: the
// same path (as sent, still encoded) plus '/', query kept.
std::string slash_redirect_target(const Request& req) {
  // One leading '/': "//evil.example/dir" echoed back would be a network-path reference
  // (RFC 3986 4.2), an open redirect to another host.
  std::string_view path = req.path();
  while (path.size() > 1 && path[0] == '/' && path[1] == '/') path.remove_prefix(1);
  std::string loc(path);
  loc += '/';
  if (!req.query().empty()) {
    loc += '?';
    loc += req.query();
  }
  return loc;
}

}  // namespace

StaticFiles::StaticFiles(StaticOptions options) {
  auto impl = std::make_shared<Impl>();
  impl->root_fd = ::open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (impl->root_fd < 0) {
    throw std::system_error(errno, std::generic_category(), "document root '" + options.root + "'");
  }
  impl->allow = options.allow_uploads ? "GET, HEAD, PUT, DELETE, OPTIONS" : "GET, HEAD, OPTIONS";
  for (const std::string& tag : options.languages) {
    if (!is_valid_language_tag(tag)) throw std::invalid_argument("bad language tag '" + tag + "'");
  }
  const std::string& fallback = options.default_language;
  if (!fallback.empty() && std::find(options.languages.begin(), options.languages.end(),
                                     fallback) == options.languages.end()) {
    options.languages.push_back(fallback);
  }
  const CompressionOptions& c = options.compression;
  if (c.enabled && c.cache_bytes > 0) {
    impl->compressed = std::make_unique<CompressedCache>(c.cache_bytes, c.cache_shards);
  }
  impl->options = std::move(options);
  impl_ = std::move(impl);
}

const StaticOptions& StaticFiles::options() const { return impl_->options; }

void StaticFiles::operator()(const Request& req, Response& res) const {
  const Impl& im = *impl_;
  const StaticOptions& o = im.options;
  Method m = req.method();
  bool upload = o.allow_uploads && (m == Method::kPut || m == Method::kDelete);
  if (m == Method::kOptions) {
    res = Response(Status::kNoContent);
    res.set_header("Allow", im.allow);
    return;
  }
  if (m != Method::kGet && m != Method::kHead && !upload) {
    res = Response::error(Status::kMethodNotAllowed);
    res.set_header("Allow", im.allow);
    return;
  }

  PathResult path = normalize_request_path(req.path(), PathOptions{o.allow_dotfiles, true});
  if (!path) {
    res = Response::error(to_status(path.error()));
    return;
  }
  if (upload) {
    handle_upload(im.root_fd, path, req, res);
    return;
  }

  std::string key = path.relative();
  if (path.trailing_slash()) key += '/';
  FileCache& cache = FileCache::for_thread(&im);
  int64_t now_ms = monotonic_ms();
  const CachedFile* file = cache.fresh(key, now_ms, im.root_fd);
  bool language_variant = false;  // chosen by Accept-Language: the response varies with it
  if (!file) {
    file = resolve(im, key, path, req, res, cache, now_ms, &language_variant);
    if (!file) return;  // res holds the answer (error, redirect or listing)
  }
  serve_file(im, *file, language_variant, req, res, now_ms);
}

// Opens what the path names and, for a regular file (or a directory's index
// file), returns its cache entry, re-validated. Otherwise fills res.
const CachedFile* StaticFiles::resolve(const Impl& im, const std::string& key,
                                       const PathResult& path, const Request& req, Response& res,
                                       FileCache& cache, int64_t now_ms, bool* language_variant) {
  const StaticOptions& o = im.options;
  int err = 0;
  FdGuard fd(open_under_root(im.root_fd, path.relative(), o.allow_symlinks, &err));
  // The file's path under the root and the key its entry is cached under: the request's key,
  // except for a language variant, which is cached under its own name (another request may
  // choose another variant for the same URL).
  std::string relative = path.relative();
  std::string entry_key = key;
  if (fd.get() < 0 && err == ENOENT && !path.trailing_slash()) {
    LanguageVariant lv = open_language_variant(im.root_fd, path.relative(), req, o.languages,
                                               o.default_language, o.allow_symlinks);
    if (lv.fd >= 0) {
      fd.reset(lv.fd);
      relative = entry_key = std::move(lv.relative);
      *language_variant = true;
    }
  }
  if (fd.get() < 0) {
    cache.erase(key);
    res = Response::error(status_for_open_error(err));
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    res = Response::error(Status::kInternalServerError);
    return nullptr;
  }
  if (S_ISDIR(st.st_mode)) {
    if (!path.trailing_slash()) {
      res = Response::redirect(Status::kMovedPermanently, slash_redirect_target(req));
      return nullptr;
    }
    for (const auto& index : o.index_files) {
      std::string index_rel = path.relative().empty() ? index : path.relative() + "/" + index;
      int ierr = 0;
      int ifd = open_under_root(im.root_fd, index_rel, o.allow_symlinks, &ierr);
      if (ifd < 0) continue;
      struct stat ist {};
      if (::fstat(ifd, &ist) == 0 && S_ISREG(ist.st_mode)) {
        fd.reset(ifd);
        st = ist;
        relative = std::move(index_rel);
        break;
      }
      ::close(ifd);
    }
    // No index file: an index in the request's language ("index.html.de").
    for (size_t i = 0; S_ISDIR(st.st_mode) && i < o.index_files.size(); ++i) {
      std::string index_rel =
          path.relative().empty() ? o.index_files[i] : path.relative() + "/" + o.index_files[i];
      LanguageVariant lv = open_language_variant(im.root_fd, index_rel, req, o.languages,
                                                 o.default_language, o.allow_symlinks);
      struct stat vst {};
      if (lv.fd < 0 || ::fstat(lv.fd, &vst) != 0) {
        if (lv.fd >= 0) ::close(lv.fd);
        continue;
      }
      fd.reset(lv.fd);
      st = vst;
      relative = entry_key = std::move(lv.relative);
      *language_variant = true;
    }
    if (S_ISDIR(st.st_mode)) {
      if (!o.browse) {
        res = Response::error(Status::kForbidden);
        return nullptr;
      }
      int lerr = 0;
      std::vector<DirEntry> entries = read_directory(fd.get(), o.allow_dotfiles, &lerr);
      if (lerr != 0) {
        res = Response::error(status_for_open_error(lerr));
        return nullptr;
      }
      std::string url = "/" + path.relative();
      if (url.size() > 1) url += '/';
      res.set_status(Status::kOk);
      res.set_body(render_directory_listing(url, std::move(entries)), "text/html; charset=utf-8");
      res.set_header("Cache-Control", "no-cache");
      return nullptr;
    }
  } else if (path.trailing_slash()) {
    // "/file.txt/" names a directory that is not one.
    res = Response::error(Status::kNotFound);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    res = Response::error(Status::kNotFound);  // FIFOs, devices, sockets
    return nullptr;
  }
  // Unchanged since cached: keep the entry (and its content), drop the new fd.
  if (CachedFile* old = cache.find(entry_key)) {
    int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (old->dev == st.st_dev && old->ino == st.st_ino && old->mtime_ns == mtime_ns &&
        old->size == static_cast<uint64_t>(st.st_size)) {
      old->checked_ms = now_ms;
      return old;
    }
  }
  CachedFile entry;
  auto ref = std::make_shared<net::FileRef>(fd.release(), static_cast<int64_t>(st.st_size));
  // "about.html.de" has the type of "about.html".
  std::string_view lang = language_suffix(relative, o.languages);
  std::string_view type_name(relative.data(),
                             relative.size() - (lang.empty() ? 0 : lang.size() + 1));
  if (!fill_cached_file(std::move(ref), st, type_name, entry)) {
    res = Response::error(Status::kInternalServerError);
    return nullptr;
  }
  entry.relative = std::move(relative);
  entry.checked_ms = now_ms;
  return cache.put(entry_key, std::move(entry));
}

namespace {

// Appends bytes [offset, offset+length) of a cached file: from memory when held.
void append_range(const CachedFile& f, uint64_t offset, uint64_t length, Response& res) {
  if (f.has_content) {
    res.append_body(f.content.substr(offset, length));
  } else {
    res.append_file(f.file, static_cast<int64_t>(offset), length);
  }
}

}  // namespace

// The fresh cache entry of f's precompressed sibling for `coding`, or null when there is none
// (absence is cached too, so a hot file without siblings costs no failed open per request).
const CachedFile* StaticFiles::find_sibling(const Impl& im, const CachedFile& f,
                                            ContentCoding coding, int64_t now_ms) {
  if (f.relative.empty()) return nullptr;
  FileCache& siblings = FileCache::for_thread(&im.sibling_cache_owner);
  std::string key = f.relative;
  key += sibling_suffix(coding);
  const CachedFile* e = siblings.fresh(key, now_ms, im.root_fd);
  if (!e) {
    CachedFile entry;
    struct stat st {};
    int fd = open_precompressed_sibling(im.root_fd, f.relative, coding, f.mtime_ns,
                                        im.options.allow_symlinks, &st);
    if (fd >= 0) {
      auto ref = std::make_shared<net::FileRef>(fd, static_cast<int64_t>(st.st_size));
      if (!fill_cached_file(std::move(ref), st, key, entry)) entry = CachedFile{};
    }
    entry.relative = key;
    entry.checked_ms = now_ms;
    e = siblings.put(key, std::move(entry));
  }
  // The original may have changed since the sibling was checked: a stale one is not used.
  if (!e->file || e->mtime_ns < f.mtime_ns) return nullptr;
  return e;
}

void StaticFiles::serve_file(const Impl& im, const CachedFile& f, bool language_variant,
                             const Request& req, Response& res, int64_t now_ms) {
  const StaticOptions& o = im.options;
  Method m = req.method();

  // Which representation (RFC 9110 12.5.3): f itself, a precompressed sibling, or f compressed.
  const CachedFile* sibling = nullptr;
  EncodingChoice enc =
      choose_encoding(req, o.compression, f.size, f.content_type, [&](ContentCoding c) {
        sibling = find_sibling(im, f, c, now_ms);
        return sibling != nullptr;
      });
  // Every answer about this file, errors included, says what it depended on (RFC 9110 12.5.5).
  std::string_view vary = vary_value(enc.vary, language_variant);
  auto fail = [&](Status status) {
    res = Response::error(status);
    if (!vary.empty()) res.set_header("Vary", vary);
  };
  if (enc.kind == EncodingChoice::Kind::kNotAcceptable) return fail(Status::kNotAcceptable);
  if (!vary.empty()) res.set_header("Vary", vary);

  // The bytes that carry it, and their validators: a sibling has its own, suffixed per coding
  // so that no two representations of the URL share a tag (RFC 9110 8.8.3).
  const bool precompressed = enc.kind == EncodingChoice::Kind::kPrecompressed;
  const CachedFile& bytes = precompressed ? *sibling : f;
  std::string etag = enc.coding == ContentCoding::kIdentity
                         ? bytes.etag
                         : etag_with_suffix(bytes.etag, to_token(enc.coding));
  Validators v;
  v.etag = etag;
  v.last_modified = bytes.mtime;
  v.now = std::time(nullptr);
  ConditionalFields cond = conditional_fields(req);

  res.set_header("Last-Modified", bytes.last_modified);
  res.set_header("ETag", etag);
  apply_cache_rules(o, req.path(), res);

  switch (evaluate_preconditions(m, cond, v)) {
    case Precondition::kNotModified: res.set_status(Status::kNotModified); return;
    case Precondition::kPreconditionFailed: return fail(Status::kPreconditionFailed);
    case Precondition::kProceed: break;
  }

  // Representation metadata, not sent on 304 (RFC 9110 15.4.5).
  std::string_view language = language_suffix(f.relative, o.languages);
  if (!language.empty()) res.set_header("Content-Language", language);
  if (enc.coding != ContentCoding::kIdentity) {
    res.set_header("Content-Encoding", to_token(enc.coding));
  }
  res.set_header("Accept-Ranges", "bytes");

  if (enc.kind == EncodingChoice::Kind::kCompressWhole) {
    CompressedKey key{f.relative, f.mtime_ns, f.size, static_cast<uint64_t>(f.ino), enc.coding};
    auto body =
        compress_whole_file(key, f.file->fd(), f.has_content ? &f.content : nullptr,
                            o.compression.levels.for_coding(enc.coding), im.compressed.get());
    if (!body) return fail(Status::kInternalServerError);
    res.set_status(Status::kOk);
    res.set_header("Content-Type", f.content_type);
    if (m == Method::kHead) {
      res.set_declared_length(body->size());
      return;
    }
    res.append_body(*body);
    return;
  }
  if (enc.kind == EncodingChoice::Kind::kCompressStream) {
    // Chunked, compressed as the client reads; HEAD gets the same head and nothing is read.
    res.set_status(Status::kOk);
    res.set_header("Content-Type", f.content_type);
    res.set_stream(std::make_shared<CompressingFileSource>(
        f.file, 0, f.size, enc.coding, o.compression.levels.for_coding(enc.coding)));
    return;
  }

  // Identity or a precompressed sibling: a static file, so ranges address its bytes.
  std::optional<std::string_view> range = field(req, "Range");
  // RFC 9110 14.2: Range is defined for GET only; If-Range may turn it off.
  if (m == Method::kGet && range && if_range_allows_range(cond.if_range, v)) {
    RangeSet set = evaluate_range_header(*range, bytes.size);
    if (set.outcome == RangeOutcome::kUnsatisfiable) {
      fail(Status::kRangeNotSatisfiable);
      res.set_header("Content-Range", unsatisfied_content_range(bytes.size));
      return;
    }
    if (set.outcome == RangeOutcome::kPartial) {
      res.set_status(Status::kPartialContent);
      if (set.ranges.size() == 1) {
        const ByteRange& r = set.ranges.front();
        res.set_header("Content-Type", f.content_type);
        res.set_header("Content-Range", content_range_value(r.first, r.last, bytes.size));
        append_range(bytes, r.first, r.length(), res);
        return;
      }
      MultipartByteranges mp = make_multipart_byteranges(set.ranges, bytes.size, f.content_type,
                                                         make_multipart_boundary());
      res.set_header("Content-Type", mp.content_type);
      for (size_t i = 0; i < set.ranges.size(); ++i) {
        res.append_body(std::move(mp.part_headers[i]));
        append_range(bytes, set.ranges[i].first, set.ranges[i].length(), res);
      }
      res.append_body(std::move(mp.closing));
      return;
    }
  }
  res.set_status(Status::kOk);
  res.set_header("Content-Type", f.content_type);
  if (m == Method::kHead) {
    res.set_declared_length(bytes.size);
    return;
  }
  append_range(bytes, 0, bytes.size, res);
}

std::optional<CacheRule> parse_cache_rule(std::string_view spec) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= spec.size()) return std::nullopt;
  CacheRule rule;
  rule.pattern = std::string(spec.substr(0, eq));
  rule.cache_control = std::string(spec.substr(eq + 1));
  size_t ma = rule.cache_control.find("max-age=");
  if (ma != std::string::npos) {
    int64_t secs = 0;
    size_t i = ma + 8;
    bool digits = false;
    while (i < rule.cache_control.size() && rule.cache_control[i] >= '0' &&
           rule.cache_control[i] <= '9' && secs < 1'000'000'000'000) {
      secs = secs * 10 + (rule.cache_control[i++] - '0');
      digits = true;
    }
    if (digits) rule.expires_secs = secs;
  }
  return rule;
}

}  // namespace portico::http
