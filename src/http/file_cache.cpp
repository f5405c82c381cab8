// Per-thread open-file cache: bounded by entries (fds) and by bytes of content.
#include "http/file_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "portico/http/etag.h"
#include "portico/http/http_date.h"
#include "portico/http/mime.h"

namespace portico::http {

const CachedFile* FileCache::fresh(const std::string& key, int64_t now_ms, int root_fd) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  const CachedFile& e = it->second;
  if (root_fd < 0 || e.relative.empty()) {
    return now_ms - e.checked_ms < kRevalidateMs ? &e : nullptr;
  }
  // Identity only: the stat follows the path as it is now, but nothing is served
  // from it. A path that now leads elsewhere (even out of the root) differs from
  // the cached file and is resolved again, safely, by the caller.
  struct stat st {};
  bool exists = ::fstatat(root_fd, e.relative.c_str(), &st, 0) == 0;
  if (!e.file) return exists ? nullptr : &e;
  if (!exists) return nullptr;
  int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (st.st_dev != e.dev || st.st_ino != e.ino || mtime_ns != e.mtime_ns ||
      static_cast<uint64_t>(st.st_size) != e.size) {
    return nullptr;
  }
  return &e;
}

CachedFile* FileCache::find(const std::string& key) {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

const CachedFile* FileCache::put(const std::string& key, CachedFile entry) {
  erase(key);
  // Full: drop everything. Simple, O(1) amortized, and a working set larger than
  // the cache gains little from finer eviction.
  if (entries_.size() >= kMaxEntries ||
      content_bytes_ + entry.content.size() > kMaxTotalContentBytes) {
    entries_.clear();
    content_bytes_ = 0;
  }
  content_bytes_ += entry.content.size();
  auto [it, inserted] = entries_.emplace(key, std::move(entry));
  (void)inserted;
  return &it->second;
}

void FileCache::erase(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  content_bytes_ -= it->second.content.size();
  entries_.erase(it);
}

FileCache& FileCache::for_thread(const void* owner) {
  // One map per thread: no lock on the request path. Owners are few (one per
  // StaticFiles handler), so a small map keyed by address is enough.
  thread_local std::map<const void*, FileCache> caches;
  return caches[owner];
}

bool fill_cached_file(std::shared_ptr<const net::FileRef> file, const struct stat& st,
                      std::string_view type_name, CachedFile& out) {
  out.size = static_cast<uint64_t>(st.st_size);
  out.mtime = st.st_mtim.tv_sec;
  out.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.etag = make_file_etag(out.mtime_ns, out.size, st.st_ino);
  out.last_modified = std::string(format_http_date(out.mtime).view());
  out.content_type = content_type_for(type_name);
  out.has_content = false;
  out.content.clear();
  if (out.size <= FileCache::kMaxContentBytes) {
    out.content.resize(out.size);
    uint64_t done = 0;
    while (done < out.size) {
      ssize_t n =
          ::pread(file->fd(), out.content.data() + done, out.size - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<uint64_t>(n);
    }
    out.has_content = true;
  }
  out.file = std::move(file);
  return true;
}

}  // namespace portico::http
