// Opening a normalized path beneath the document root so that no symlink or ".." leaves it.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <deque>
#include <string>
#include <vector>

#include "http/open_beneath_walk.h"
#include "portico/http/path.h"

namespace portico::http {

namespace {

// The kernel's own limit on symlink expansions in one lookup (MAXSYMLINKS).
constexpr int kMaxSymlinkExpansions = 40;
// openat2 answers EAGAIN when a concurrent rename races a ".." lookup; retry a few times.
constexpr int kOpenat2Retries = 3;

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// Set once a kernel says ENOSYS; a capability of the machine, not configuration.
std::atomic<bool> g_openat2_missing{false};

// Callers pass normalize_request_path output; anything else is refused before any lookup.
bool is_plain_relative(std::string_view p) {
  if (!p.empty() && p.front() == '/') return false;
  if (p.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string_view seg =
        p.substr(start, slash == std::string_view::npos ? p.npos : slash - start);
    if (seg == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

// Closes the directory fds the walk opened (all but the root, which the caller owns).
class DirStack {
 public:
  explicit DirStack(int root) { fds_.push_back(root); }
  ~DirStack() {
    for (size_t i = 1; i < fds_.size(); ++i) ::close(fds_[i]);
  }
  DirStack(const DirStack&) = delete;
  DirStack& operator=(const DirStack&) = delete;

  int top() const { return fds_.back(); }
  bool at_root() const { return fds_.size() == 1; }
  void push(int fd) { fds_.push_back(fd); }
  void pop() {
    ::close(fds_.back());
    fds_.pop_back();
  }

 private:
  std::vector<int> fds_;
};

void push_front_components(std::deque<std::string>& queue, std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.emplace_back(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  queue.insert(queue.begin(), parts.begin(), parts.end());
}

int fail(int* err, int e) {
  *err = e;
  return -1;
}

}  // namespace

int open_beneath_by_walk(int root_dirfd, std::string_view relative_path, int final_flags,
                         int* err) {
  DirStack dirs(root_dirfd);
  std::deque<std::string> pending;
  push_front_components(pending, relative_path);
  int expansions = 0;

  while (!pending.empty()) {
    std::string comp = std::move(pending.front());
    pending.pop_front();
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      // Answered from the stack, never by opening "..": a directory renamed elsewhere
      // meanwhile cannot carry the walk out of the root.
      if (dirs.at_root()) return fail(err, EXDEV);
      dirs.pop();
      continue;
    }
    bool last = pending.empty();
    int fd =
        last ? ::openat(dirs.top(), comp.c_str(), final_flags)
             : ::openat(dirs.top(), comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      if (last) return fd;
      dirs.push(fd);
      continue;
    }
    int e = errno;
    if (e != ELOOP && e != ENOTDIR) return fail(err, e);
    // O_NOFOLLOW refused a symlink (ELOOP), or O_DIRECTORY met one (ENOTDIR): expand it here.
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(dirs.top(), comp.c_str(), target, sizeof target);
    if (n < 0) return fail(err, errno == EINVAL ? e : errno);  // EINVAL: not a symlink
    if (static_cast<size_t>(n) == sizeof target) return fail(err, ENAMETOOLONG);
    if (++expansions > kMaxSymlinkExpansions) return fail(err, ELOOP);
    std::string_view t(target, static_cast<size_t>(n));
    if (t.empty()) return fail(err, ENOENT);
    if (t.front() == '/') return fail(err, EXDEV);  // absolute: outside by definition
    push_front_components(pending, t);
  }
  // The path ended on the root, ".", or a "..": open the directory we stand in.
  int fd = ::openat(dirs.top(), ".", final_flags & ~O_NOFOLLOW);
  return fd >= 0 ? fd : fail(err, errno);
}

int open_under_root(int root_dirfd, std::string_view relative_path, bool allow_symlinks_out,
                    int* err) {
  if (!is_plain_relative(relative_path)) return fail(err, EINVAL);
  std::string path = relative_path.empty() ? std::string(".") : std::string(relative_path);

  if (allow_symlinks_out) {
    // The path itself has no ".." (checked above); only symlinks may lead elsewhere.
    int fd = ::openat(root_dirfd, path.c_str(), kOpenFlags);
    return fd >= 0 ? fd : fail(err, errno);
  }

  if (!g_openat2_missing.load(std::memory_order_relaxed)) {
    struct open_how how = {};
    how.flags = kOpenFlags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < kOpenat2Retries; ++attempt) {
      long fd = ::syscall(SYS_openat2, root_dirfd, path.c_str(), &how, sizeof how);
      if (fd >= 0) return static_cast<int>(fd);
      int e = errno;
      if (e == EAGAIN) continue;
      if (e == ENOSYS) {
        g_openat2_missing.store(true, std::memory_order_relaxed);
        break;
      }
      // EPERM from a seccomp filter that does not know openat2, E2BIG/EINVAL from a kernel
      // that knows an older struct: let the walk decide. Any other error is the answer.
      if (e != EPERM && e != E2BIG && e != EINVAL) return fail(err, e);
      break;
    }
  }
  return open_beneath_by_walk(root_dirfd, path, kOpenFlags | O_NOFOLLOW, err);
}

Status status_for_open_error(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case EXDEV:
    case ELOOP:
    case EINVAL: return Status::kNotFound;
    case EACCES:
    case EPERM: return Status::kForbidden;
    case EMFILE:
    case ENFILE: return Status::kServiceUnavailable;
    default: return Status::kInternalServerError;
  }
}

}  // namespace portico::http
