// Per-thread open-file cache: bounded by entries (fds) and by bytes of content.
#include "http/file_cache.h"

#include <unistd.h>

#include <cerrno>
#include <map>

#include "portico/http/etag.h"
#include "portico/http/http_date.h"
#include "portico/http/mime.h"

namespace portico::http {

const CachedFile* FileCache::fresh(const std::string& key, int64_t now_ms) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || now_ms - it->second.checked_ms >= kRevalidateMs) return nullptr;
  return &it->second;
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
      ssize_t n = ::pread(file->fd(), out.content.data() + done, out.size - done,
                          static_cast<off_t>(done));
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
