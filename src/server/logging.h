// The error log: spdlog behind the library's log sink.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace portico::server {

// Declares --error-log FILE and --log-level LEVEL on a subcommand (serve, proxy, forward-proxy).
void add_error_log_flags(CLI::App& cmd, std::string& error_log, std::string& log_level);

// Installs the error log: path empty for stderr, else appended to that file.
// level: debug | info | warn | error. Throws std::system_error on an unopenable file.
void setup_error_log(const std::string& path, const std::string& level);

}  // namespace portico::server
