// Pidfile, privilege dropping and systemd notification.
#include "server/daemon_process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace portico::server {
namespace {

// The pid in a pidfile, or 0 when absent or unreadable.
pid_t read_pid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

}  // namespace

Pidfile::Pidfile(std::string path) : path_(std::move(path)), pid_(::getpid()) {
  pid_t other = read_pid(path_);
  if (other > 0 && other != pid_ && (::kill(other, 0) == 0 || errno == EPERM)) {
    throw std::runtime_error("pidfile '" + path_ + "': portico is already running (pid " +
                             std::to_string(other) + ")");
  }
  std::string tmp = path_ + ".tmp." + std::to_string(pid_);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "pidfile '" + tmp + "'");
  std::string text = std::to_string(pid_) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    err = ok ? errno : err;
    ::unlink(tmp.c_str());
    throw std::system_error(err, std::generic_category(), "pidfile '" + path_ + "'");
  }
}

Pidfile::~Pidfile() {
  if (read_pid(path_) == pid_) ::unlink(path_.c_str());
}

void drop_privileges(const std::string& user, const std::string& group) {
  if (user.empty()) return;
  struct passwd* pw = ::getpwnam(user.c_str());
  if (!pw) throw std::runtime_error("user '" + user + "' does not exist");
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  if (!group.empty()) {
    struct group* gr = ::getgrnam(group.c_str());
    if (!gr) throw std::runtime_error("group '" + group + "' does not exist");
    gid = gr->gr_gid;
  }
  if (::geteuid() == uid && ::getegid() == gid) return;
  if (::geteuid() != 0) {
    throw std::runtime_error("cannot switch to user '" + user + "': not running as root");
  }
  // Order matters: groups first, while still root. glibc applies set*id to every thread.
  if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    throw std::system_error(errno, std::generic_category(), "switching to user '" + user + "'");
  }
  // A process that can regain root has not dropped it.
  if (::setuid(0) == 0) throw std::runtime_error("dropping root failed: setuid(0) still works");
}

bool notify_systemd(std::string_view state) {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (!socket_path || !*socket_path) return false;
  size_t len = std::strlen(socket_path);
  struct sockaddr_un addr {};
  if (len >= sizeof addr.sun_path || (socket_path[0] != '/' && socket_path[0] != '@')) {
    return false;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // Linux abstract namespace
  socklen_t addr_len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + len);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const struct sockaddr*>(&addr), addr_len);
  ::close(fd);
  return n == static_cast<ssize_t>(state.size());
}

}  // namespace portico::server
