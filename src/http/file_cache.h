// A per-thread cache of open files and their response metadata (nginx's
// open_file_cache): a hot file costs one stat() instead of open/fstat/close per
// request, and a small one is answered from memory. Every hit is checked with
// that stat() (device, inode, mtime, size), so an edited or replaced file is
// never served stale. Internal to StaticFiles.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/net/file_ref.h"

namespace portico::http {

struct CachedFile {
  std::shared_ptr<const net::FileRef> file;
  std::string relative;  // the file's path under the root (an index file's for "dir/")
  uint64_t size = 0;
  time_t mtime = 0;
  std::string etag;
  std::string last_modified;      // IMF-fixdate
  std::string_view content_type;  // static storage (mime table)
  std::string content;            // the whole file when small (has_content)
  bool has_content = false;
  int64_t checked_ms = 0;  // last time the entry was known to match the file system
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t mtime_ns = 0;
};

class FileCache {
 public:
  static constexpr int64_t kRevalidateMs = 1000;
  static constexpr size_t kMaxEntries = 512;               // each holds an open fd
  static constexpr uint64_t kMaxContentBytes = 32 * 1024;  // files up to this are kept in memory
  static constexpr uint64_t kMaxTotalContentBytes = 16 * 1024 * 1024;

  // The entry for key if the file at its path (beneath root_fd) is still the one
  // cached, else null. A cached absence (no file) holds while the path is absent.
  // root_fd < 0: trust entries checked less than kRevalidateMs ago instead.
  const CachedFile* fresh(const std::string& key, int64_t now_ms, int root_fd = -1) const;
  // The entry for key whatever its age (to re-validate it), else null.
  CachedFile* find(const std::string& key);
  // Stores an entry (replacing any), evicting when full.
  const CachedFile* put(const std::string& key, CachedFile entry);
  void erase(const std::string& key);

  // The calling thread's cache for one StaticFiles instance (owner).
  static FileCache& for_thread(const void* owner);

 private:
  std::unordered_map<std::string, CachedFile> entries_;
  uint64_t content_bytes_ = 0;
};

// Fills the metadata of an entry from an open regular file; reads its content
// when small. False if reading fails.
bool fill_cached_file(std::shared_ptr<const net::FileRef> file, const struct stat& st,
                      std::string_view type_name, CachedFile& out);

}  // namespace portico::http
