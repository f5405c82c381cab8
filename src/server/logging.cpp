// Routes portico's log lines (portico/base/log.h) to spdlog.
#include "server/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "portico/base/log.h"

namespace portico::server {

void setup_error_log(const std::string& path, const std::string& level) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (path.empty()) {
      logger = spdlog::stderr_logger_mt("portico");
    } else {
      logger = spdlog::basic_logger_mt("portico", path);
    }
  } catch (const spdlog::spdlog_ex& e) {
    throw std::system_error(EIO, std::generic_category(), "error log '" + path + "': " + e.what());
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
  logger->flush_on(spdlog::level::info);
  LogLevel lvl = level == "debug"   ? LogLevel::kDebug
                 : level == "warn"  ? LogLevel::kWarn
                 : level == "error" ? LogLevel::kError
                                    : LogLevel::kInfo;
  logger->set_level(spdlog::level::debug);
  set_log_level(lvl);
  set_log_sink([logger](LogLevel l, std::string_view msg) {
    spdlog::level::level_enum sl = l == LogLevel::kDebug  ? spdlog::level::debug
                                   : l == LogLevel::kInfo ? spdlog::level::info
                                   : l == LogLevel::kWarn ? spdlog::level::warn
                                                          : spdlog::level::err;
    logger->log(sl, "{}", msg);
  });
}

void add_error_log_flags(CLI::App& cmd, std::string& error_log, std::string& log_level) {
  cmd.add_option("--error-log", error_log, "Error log file (default: stderr)");
  cmd.add_option("--log-level", log_level, "Error log level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
}

}  // namespace portico::server
