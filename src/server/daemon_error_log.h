// The daemon's error log: spdlog to a file that SIGUSR1 reopens (logrotate), or to stderr.
#pragma once

#include <string>

namespace portico::server {

// Installs the process's log sink (portico/base/log.h). path empty: stderr. level: debug,
// info, warn or error. Throws std::system_error naming the file when it cannot be opened.
// Call it before other threads start logging (the library's sink is swapped without a lock).
void install_error_log(const std::string& path, const std::string& level);
// Reopens the file at the same path (no-op for stderr). Failure keeps the old file and is
// logged there.
void reopen_error_log();
void set_error_log_level(const std::string& level);

}  // namespace portico::server
