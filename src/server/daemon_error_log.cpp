// A reopenable spdlog file sink behind the library's log sink.
#include "server/daemon_error_log.h"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>

#include "portico/base/log.h"

namespace portico::server {
namespace {

// Appends formatted lines with one write(2) each to an O_APPEND descriptor (whole lines even
// when another process appends too); reopen() swaps the descriptor under the sink's mutex.
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ReopenableFileSink(std::string path) : path_(std::move(path)) {
    fd_ = open_file();
    if (fd_ < 0)
      throw std::system_error(errno, std::generic_category(), "error log '" + path_ + "'");
  }
  ~ReopenableFileSink() override { ::close(fd_); }

  // Returns "" or why the file could not be reopened.
  std::string reopen() {
    std::lock_guard<std::mutex> lock(mutex_);
    int fd = open_file();
    if (fd < 0) return std::strerror(errno);
    ::close(fd_);
    fd_ = fd;
    return {};
  }
  const std::string& path() const { return path_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere to report a failing error log
      done += static_cast<size_t>(n);
    }
  }
  void flush_() override {}

 private:
  int open_file() { return ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); }

  std::string path_;
  int fd_ = -1;
};

std::mutex g_mutex;
std::shared_ptr<ReopenableFileSink> g_file_sink;  // guarded by g_mutex; null for stderr

LogLevel parse_level(const std::string& level) {
  if (level == "debug") return LogLevel::kDebug;
  if (level == "warn") return LogLevel::kWarn;
  if (level == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

}  // namespace

void install_error_log(const std::string& path, const std::string& level) {
  std::shared_ptr<ReopenableFileSink> file;
  spdlog::sink_ptr sink;
  if (path.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    file = std::make_shared<ReopenableFileSink>(path);
    sink = file;
  }
  // Not registered in spdlog's registry: a second install must not collide with the first.
  auto logger = std::make_shared<spdlog::logger>("portico", sink);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::debug);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_file_sink = file;
  }
  set_log_level(parse_level(level));
  set_log_sink([logger](LogLevel l, std::string_view msg) {
    spdlog::level::level_enum sl = l == LogLevel::kDebug  ? spdlog::level::debug
                                   : l == LogLevel::kInfo ? spdlog::level::info
                                   : l == LogLevel::kWarn ? spdlog::level::warn
                                                          : spdlog::level::err;
    logger->log(sl, "{}", msg);
  });
}

void reopen_error_log() {
  std::shared_ptr<ReopenableFileSink> file;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    file = g_file_sink;
  }
  if (!file) return;
  std::string why = file->reopen();
  if (why.empty()) {
    LOG_INFO("error log '%s' reopened", file->path().c_str());
  } else {
    LOG_ERROR("error log '%s': reopen failed: %s (still writing to the old file)",
              file->path().c_str(), why.c_str());
  }
}

void set_error_log_level(const std::string& level) { set_log_level(parse_level(level)); }

}  // namespace portico::server
