// Logging front door for every layer. The library writes through a sink the
// program installs (the portico binary installs spdlog); the default sink
// writes one line to stderr. Lower layers never depend on a logging library.
#pragma once

#include <cstdarg>
#include <functional>
#include <string_view>

namespace portico {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError, kOff };

using LogSink = std::function<void(LogLevel, std::string_view)>;

// Replaces the process-wide sink (call at start-up, before loops run).
void set_log_sink(LogSink sink);
void set_log_level(LogLevel level);
LogLevel log_level();

void log_message(LogLevel level, std::string_view message);

// printf-style convenience; formats only when the level is enabled.
void logf(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace portico

#define PORTICO_LOG(level, ...)                                                   \
  do {                                                                            \
    if ((level) >= ::portico::log_level()) ::portico::logf((level), __VA_ARGS__); \
  } while (0)
#define LOG_DEBUG(...) PORTICO_LOG(::portico::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) PORTICO_LOG(::portico::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) PORTICO_LOG(::portico::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) PORTICO_LOG(::portico::LogLevel::kError, __VA_ARGS__)
