// Precompressed siblings: app.js.zst, app.js.br, app.js.gz served in place of app.js.
#include "http/precompressed.h"

#include <unistd.h>

#include <string>

#include "portico/http/path.h"

namespace portico::http {

namespace {

int64_t mtime_ns(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

int open_precompressed_sibling(int root_fd, std::string_view relative_path, ContentCoding coding,
                               int64_t original_mtime_ns, bool allow_symlinks,
                               struct stat* sibling) {
  std::string_view suffix = sibling_suffix(coding);
  if (suffix.empty() || relative_path.empty()) return -1;
  std::string name;
  name.reserve(relative_path.size() + suffix.size());
  name += relative_path;
  name += suffix;
  int err = 0;
  int fd = open_under_root(root_fd, name, allow_symlinks, &err);
  if (fd < 0) return -1;
  if (::fstat(fd, sibling) != 0 || !S_ISREG(sibling->st_mode) ||
      mtime_ns(*sibling) < original_mtime_ns) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace portico::http
