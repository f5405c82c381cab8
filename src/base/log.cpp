// Process-wide log sink and level; the default sink writes to stderr.
#include "portico/base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace portico {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "?";
}

void stderr_sink(LogLevel level, std::string_view message) {
  std::string line = "portico[";
  line += level_name(level);
  line += "] ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// The sink is set once at start-up; the mutex only guards that swap.
std::mutex g_sink_mutex;
LogSink& sink_ref() {
  static LogSink sink = stderr_sink;
  return sink;
}

}  // namespace

void set_log_sink(LogSink sink) {
  std::lock_guard lock(g_sink_mutex);
  sink_ref() = sink ? std::move(sink) : LogSink(stderr_sink);
}

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }

void log_message(LogLevel level, std::string_view message) {
  if (level < log_level()) return;
  sink_ref()(level, message);
}

void logf(LogLevel level, const char* fmt, ...) {
  if (level < log_level()) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len = static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1;
  log_message(level, std::string_view(buf, len));
}

}  // namespace portico
