// Precompressed siblings: app.js.zst, app.js.br, app.js.gz served in place of app.js.
#include "http/precompressed.h"

#include <unistd.h>

#include <string>

#include "portico/http/path.h"

namespace portico::http {

namespace {

bool not_older(const struct stat& a, const struct stat& b) {
  if (a.st_mtim.tv_sec != b.st_mtim.tv_sec) return a.st_mtim.tv_sec > b.st_mtim.tv_sec;
  return a.st_mtim.tv_nsec >= b.st_mtim.tv_nsec;
}

}  // namespace

int open_precompressed_sibling(int root_fd, std::string_view relative_path, ContentCoding coding,
                               const struct stat& original, bool allow_symlinks,
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
  if (::fstat(fd, sibling) != 0 || !S_ISREG(sibling->st_mode) || !not_older(*sibling, original)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace portico::http
