// FileRef: a shared, read-only open file that queued sendfile(2) regions keep alive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace portico::net {

// Owns one file descriptor and closes it when the last reference goes. A TcpConnection's
// output queue holds std::shared_ptr<const FileRef> for each queued file region, so the file
// stays open until its bytes are sent even if the caller has moved on (or the file was
// unlinked or replaced on disk meanwhile).
class FileRef {
 public:
  // Takes ownership of fd (a regular file opened for reading). size is recorded as given.
  FileRef(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FileRef();
  FileRef(const FileRef&) = delete;
  FileRef& operator=(const FileRef&) = delete;

  // Opens path read-only (O_CLOEXEC) and fstat()s it. On failure returns null and sets *err to
  // errno (ENOENT, EACCES, EISDIR for a directory, ...). This blocks on the disk: callers on a
  // loop thread accept that for local files or open on another thread.
  static std::shared_ptr<const FileRef> open(const std::string& path, int* err);
  // Wraps an already open fd, taking ownership; size from fstat (-1 if that fails).
  static std::shared_ptr<const FileRef> adopt(int fd);

  int fd() const { return fd_; }
  int64_t size() const { return size_; }

 private:
  int fd_;
  int64_t size_;
};

}  // namespace portico::net
