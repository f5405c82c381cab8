// FileRef: shared ownership of an open file for queued sendfile regions.
#include "portico/net/file_ref.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace portico::net {

FileRef::~FileRef() {
  if (fd_ >= 0) ::close(fd_);
}

std::shared_ptr<const FileRef> FileRef::open(const std::string& path, int* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (err) *err = errno;
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) < 0) {
    if (err) *err = errno;
    ::close(fd);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    if (err) *err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    ::close(fd);
    return nullptr;
  }
  return std::make_shared<const FileRef>(fd, static_cast<int64_t>(st.st_size));
}

std::shared_ptr<const FileRef> FileRef::adopt(int fd) {
  struct stat st {};
  int64_t size = ::fstat(fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
  return std::make_shared<const FileRef>(fd, size);
}

}  // namespace portico::net
