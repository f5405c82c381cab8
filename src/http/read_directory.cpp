// Reading a directory's entries and their stat data for a listing.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "portico/http/dir_listing.h"

namespace portico::http {

std::vector<DirEntry> read_directory(int dirfd, bool show_dotfiles, int* err) {
  // A fresh open file description: the caller's fd keeps its offset and stays open.
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return {};
  }
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    *err = errno;
    ::close(fd);
    return {};
  }

  std::vector<DirEntry> entries;
  while (true) {
    errno = 0;
    const dirent* ent = ::readdir(dir);
    if (ent == nullptr) break;
    std::string_view name = ent->d_name;
    if (name == "." || name == "..") continue;
    if (!show_dotfiles && name.front() == '.') continue;
    struct stat st;
    // Follows symlinks: a link to a directory is listed as one. A dangling link or an entry
    // removed since readdir simply does not appear.
    if (::fstatat(fd, ent->d_name, &st, 0) != 0) continue;
    bool is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !S_ISREG(st.st_mode)) continue;  // FIFOs, sockets, devices: never served
    entries.push_back(DirEntry{std::string(name), is_dir,
                               is_dir ? 0 : static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec});
  }
  int read_error = errno;
  ::closedir(dir);  // closes fd
  if (read_error != 0) {
    *err = read_error;
    return {};
  }
  *err = 0;
  return entries;
}

}  // namespace portico::http
