// `portico run`: serves everything a config file describes until told to stop.
//
// Signals: SIGHUP reloads the file (read and validated on a separate thread; a good config is
// swapped in atomically, a bad one is logged and the running one kept); SIGTERM and SIGINT
// stop gracefully (no new connections, in-flight requests finish, idle connections close,
// within [server] shutdown_timeout); SIGQUIT exits at once; SIGUSR1 reopens the log files.
#pragma once

#include <string>

#include "server/config.h"

namespace portico::server {

// Returns the exit status: 0 after a stop by signal, 1 when serving failed (e.g. a port in
// use), 2 when the config has errors (each printed as FILE:LINE:COL: message).
int run_daemon(const std::string& config_path);

// The ServerOptions fields that a config sets (everything but listeners and callbacks).
// Changing these needs a restart; a reload logs which ones changed.
std::vector<std::string> restart_only_changes(const Config& before, const Config& after);

}  // namespace portico::server
