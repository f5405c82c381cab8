// Process chores of the daemon: the pidfile, dropping root after binding, systemd readiness.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace portico::server {

// Holds a pidfile for the life of the process.
class Pidfile {
 public:
  // Writes this process's pid (temporary file + rename, so readers never see half a number).
  // Throws std::runtime_error when the file names another live process ("portico is already
  // running (pid 123)"), std::system_error when it cannot be written.
  explicit Pidfile(std::string path);
  // Removes the file if it still holds this pid (it may not be removable after dropping root).
  ~Pidfile();
  Pidfile(const Pidfile&) = delete;
  Pidfile& operator=(const Pidfile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  pid_t pid_ = 0;
};

// Switches the whole process (every thread) to `user` and `group` (the user's primary group
// when empty), dropping supplementary groups, for good. Nothing to do when already running as
// them. Throws std::runtime_error naming what failed ("not running as root", an unknown user).
void drop_privileges(const std::string& user, const std::string& group);

// The systemd notification protocol (sd_notify(3)), by hand: one datagram with `state` to the
// AF_UNIX socket named by $NOTIFY_SOCKET ('@' starts an abstract name). False when the
// variable is unset or the send failed. No libsystemd needed: the protocol is this one
// datagram.
bool notify_systemd(std::string_view state);

}  // namespace portico::server
