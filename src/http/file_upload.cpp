// Atomic uploads (temporary file + renameat) and deletes under a document root.
#include "http/file_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>

#include "portico/base/log.h"
#include "portico/http/conditional.h"
#include "portico/http/etag.h"

namespace portico::http {
namespace {

struct Target {
  int parent_fd = -1;  // the directory that holds the target
  std::string name;    // the target's name in it
  ~Target() {
    if (parent_fd >= 0) ::close(parent_fd);
  }
};

// Opens the parent directory of `relative` beneath the root (never following a
// symlink out of it). False with *err set on failure.
bool open_parent(int root_fd, const std::string& relative, Target& t, int* err) {
  size_t slash = relative.rfind('/');
  std::string parent = slash == std::string::npos ? "" : relative.substr(0, slash);
  t.name = slash == std::string::npos ? relative : relative.substr(slash + 1);
  t.parent_fd = open_under_root(root_fd, parent, false, err);
  if (t.parent_fd < 0) return false;
  struct stat st {};
  if (::fstat(t.parent_fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = ENOTDIR;
    return false;
  }
  return true;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string temp_name(const std::string& name) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(rng()));
  return ".portico-upload-" + name.substr(0, 64) + suffix;
}

Precondition check_preconditions(const Request& req, int parent_fd, const std::string& name) {
  struct stat st {};
  Validators v;
  std::string etag;
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
    etag = make_file_etag(int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                          static_cast<uint64_t>(st.st_size), st.st_ino);
    v.etag = etag;
    v.last_modified = st.st_mtim.tv_sec;
  } else {
    v.exists = false;
  }
  v.now = std::time(nullptr);
  ConditionalFields f;
  auto get = [&](std::string_view n) -> std::optional<std::string_view> {
    const HeaderView* h = req.head().find(n);
    return h ? std::optional<std::string_view>(h->value) : std::nullopt;
  };
  f.if_match = get("If-Match");
  f.if_none_match = get("If-None-Match");
  f.if_unmodified_since = get("If-Unmodified-Since");
  return evaluate_preconditions(req.method(), f, v);
}

void put_file(const Target& t, const Request& req, Response& res) {
  struct stat st {};
  bool exists = ::fstatat(t.parent_fd, t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    res = Response::error(Status::kConflict);
    return;
  }
  std::string tmp = temp_name(t.name);
  int fd = ::openat(t.parent_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    res = Response::error(errno == EACCES ? Status::kForbidden : Status::kInternalServerError);
    return;
  }
  bool ok = write_all(fd, req.body()) && ::fdatasync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::renameat(t.parent_fd, tmp.c_str(), t.parent_fd, t.name.c_str()) != 0) {
    int e = errno;
    ::unlinkat(t.parent_fd, tmp.c_str(), 0);
    LOG_WARN("upload of '%s' failed: %s", t.name.c_str(), std::strerror(e));
    res = Response::error(e == ENOSPC ? Status::kContentTooLarge : Status::kInternalServerError);
    return;
  }
  res = Response(exists ? Status::kNoContent : Status::kCreated);
  if (!exists) res.set_body("created\n", "text/plain; charset=utf-8");
}

void delete_file(const Target& t, Response& res) {
  struct stat st {};
  if (::fstatat(t.parent_fd, t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    res = Response::error(Status::kNotFound);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    res = Response::error(Status::kMethodNotAllowed);
    res.set_header("Allow", "GET, HEAD, OPTIONS");
    return;
  }
  if (::unlinkat(t.parent_fd, t.name.c_str(), 0) != 0) {
    res = Response::error(errno == EACCES ? Status::kForbidden : Status::kInternalServerError);
    return;
  }
  res = Response(Status::kNoContent);
}

}  // namespace

void handle_upload(int root_fd, const PathResult& path, const Request& req, Response& res) {
  if (path.relative().empty() || path.trailing_slash()) {
    res = Response::error(Status::kMethodNotAllowed);  // the root or a directory URL
    res.set_header("Allow", "GET, HEAD, OPTIONS");
    return;
  }
  Target t;
  int err = 0;
  if (!open_parent(root_fd, path.relative(), t, &err)) {
    // A missing parent directory is a conflict with the tree, not a missing resource.
    res = Response::error(err == ENOENT || err == ENOTDIR ? Status::kConflict
                                                          : status_for_open_error(err));
    return;
  }
  if (check_preconditions(req, t.parent_fd, t.name) != Precondition::kProceed) {
    res = Response::error(Status::kPreconditionFailed);
    return;
  }
  if (req.method() == Method::kPut) {
    put_file(t, req, res);
  } else {
    delete_file(t, res);
  }
}

}  // namespace portico::http
