// The error log: spdlog behind the library's log sink.
#pragma once

#include <string>

namespace portico::server {

// Installs the error log: path empty for stderr, else appended to that file.
// level: debug | info | warn | error. Throws std::system_error on an unopenable file.
void setup_error_log(const std::string& path, const std::string& level);

}  // namespace portico::server
