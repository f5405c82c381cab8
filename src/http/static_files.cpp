// Serving files: method checks, safe path resolution, validators and
// conditionals (RFC 9110 13), ranges (RFC 9110 14), index files and listings.
#include "portico/http/static_files.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>
#include <utility>

#include "http/file_cache.h"
#include "http/file_upload.h"
#include "portico/base/clock.h"
#include "portico/base/log.h"
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
  std::string allow;  // the Allow field for every path

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
  std::string loc(req.path());
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
  const CachedFile* file = cache.fresh(key, now_ms);
  if (!file) {
    file = resolve(im, key, path, req, res, cache, now_ms);
    if (!file) return;  // res holds the answer (error, redirect or listing)
  }
  serve_file(o, *file, req, res);
}

// Opens what the path names and, for a regular file (or a directory's index
// file), returns its cache entry, re-validated. Otherwise fills res.
const CachedFile* StaticFiles::resolve(const Impl& im, const std::string& key,
                                       const PathResult& path, const Request& req, Response& res,
                                       FileCache& cache, int64_t now_ms) {
  const StaticOptions& o = im.options;
  int err = 0;
  FdGuard fd(open_under_root(im.root_fd, path.relative(), o.allow_symlinks, &err));
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
  std::string type_name = path.relative();
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
        type_name = std::move(index_rel);
        break;
      }
      ::close(ifd);
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
  if (CachedFile* old = cache.find(key)) {
    int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (old->dev == st.st_dev && old->ino == st.st_ino && old->mtime_ns == mtime_ns &&
        old->size == static_cast<uint64_t>(st.st_size)) {
      old->checked_ms = now_ms;
      return old;
    }
  }
  CachedFile entry;
  auto ref = std::make_shared<net::FileRef>(fd.release(), static_cast<int64_t>(st.st_size));
  if (!fill_cached_file(std::move(ref), st, type_name, entry)) {
    res = Response::error(Status::kInternalServerError);
    return nullptr;
  }
  entry.checked_ms = now_ms;
  return cache.put(key, std::move(entry));
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

void StaticFiles::serve_file(const StaticOptions& o, const CachedFile& f, const Request& req,
                             Response& res) {
  Method m = req.method();
  Validators v;
  v.etag = f.etag;
  v.last_modified = f.mtime;
  v.now = std::time(nullptr);
  ConditionalFields cond = conditional_fields(req);

  res.set_header("Last-Modified", f.last_modified);
  res.set_header("ETag", f.etag);
  apply_cache_rules(o, req.path(), res);

  switch (evaluate_preconditions(m, cond, v)) {
    case Precondition::kNotModified:
      res.set_status(Status::kNotModified);
      return;
    case Precondition::kPreconditionFailed:
      res = Response::error(Status::kPreconditionFailed);
      return;
    case Precondition::kProceed: break;
  }

  res.set_header("Accept-Ranges", "bytes");
  std::optional<std::string_view> range = field(req, "Range");
  // RFC 9110 14.2: Range is defined for GET only; If-Range may turn it off.
  if (m == Method::kGet && range && if_range_allows_range(cond.if_range, v)) {
    RangeSet set = evaluate_range_header(*range, f.size);
    if (set.outcome == RangeOutcome::kUnsatisfiable) {
      res = Response::error(Status::kRangeNotSatisfiable);
      res.set_header("Content-Range", unsatisfied_content_range(f.size));
      return;
    }
    if (set.outcome == RangeOutcome::kPartial) {
      res.set_status(Status::kPartialContent);
      if (set.ranges.size() == 1) {
        const ByteRange& r = set.ranges.front();
        res.set_header("Content-Type", f.content_type);
        res.set_header("Content-Range", content_range_value(r.first, r.last, f.size));
        append_range(f, r.first, r.length(), res);
        return;
      }
      MultipartByteranges mp =
          make_multipart_byteranges(set.ranges, f.size, f.content_type, make_multipart_boundary());
      res.set_header("Content-Type", mp.content_type);
      for (size_t i = 0; i < set.ranges.size(); ++i) {
        res.append_body(std::move(mp.part_headers[i]));
        append_range(f, set.ranges[i].first, set.ranges[i].length(), res);
      }
      res.append_body(std::move(mp.closing));
      return;
    }
  }
  res.set_status(Status::kOk);
  res.set_header("Content-Type", f.content_type);
  if (m == Method::kHead) {
    res.set_declared_length(f.size);
    return;
  }
  append_range(f, 0, f.size, res);
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
