// The access log: one line per response, formatted on the worker thread into a per-thread
// buffer and written by a background thread, so a slow disk never stalls an event loop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "portico/http/server.h"
#include "server/access_log_format.h"
#include "server/config.h"

namespace portico::server {

struct AccessLogOptions {
  std::string path;  // a file (appended to, created 0644), or "-" for stdout
  AccessLogFormat format = AccessLogFormat::kCombined;
  std::string format_string;          // for kCustom
  uint32_t flush_interval_ms = 1000;  // the writer wakes at least this often
  // Per writing thread: a buffer this full wakes the writer early. A buffer 16 times this full
  // (the disk cannot keep up) drops further lines, counted in dropped_lines().
  uint64_t buffer_bytes = 64 * 1024;

  friend bool operator==(const AccessLogOptions&, const AccessLogOptions&) = default;
};

class AccessLog {
 public:
  // Opens the file and starts the writer. Throws std::system_error naming the file when it
  // cannot be opened, std::invalid_argument for a bad format string.
  explicit AccessLog(AccessLogOptions options);
  // Combined format with default buffering (the `serve` command's log).
  explicit AccessLog(const std::string& path);
  // Writes every buffered line, then closes the file.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Thread-safe and non-blocking: formats into the calling thread's buffer.
  void write(const http::AccessLogEntry& entry) const;
  // Thread-safe, asynchronous (for SIGUSR1 after logrotate moved the file): the writer flushes
  // what it holds to the old file, then opens the path anew. Failure keeps the old file and is
  // logged.
  void reopen();
  // Blocks until every line written before the call is handed to the kernel.
  void flush();

  const AccessLogOptions& options() const { return options_; }
  uint64_t dropped_lines() const { return dropped_.load(std::memory_order_relaxed); }

  // A combined-format line (with '\n'), e.g.
  // 127.0.0.1 - - [27/Nov/2026:07:30:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.88.1" 0.000
  static std::string format(const http::AccessLogEntry& entry);

 private:
  struct Shard;

  Shard& shard_for_this_thread() const;
  void writer_main();
  void write_out(const std::string& bytes);
  void reopen_now();

  const AccessLogOptions options_;
  const AccessLogFormatter formatter_;
  const uint64_t id_;  // process-unique, keys the per-thread shard cache
  int fd_ = -1;        // written only by the writer thread (and the constructor/destructor)
  bool owns_fd_ = false;

  mutable std::mutex shards_mutex_;
  mutable std::vector<std::unique_ptr<Shard>> shards_;  // one per writing thread

  mutable std::mutex state_mutex_;
  mutable std::condition_variable wake_;
  std::condition_variable flushed_;
  bool stop_ = false;             // guarded by state_mutex_
  bool reopen_ = false;           // guarded by state_mutex_
  uint64_t flush_requested_ = 0;  // guarded by state_mutex_
  uint64_t flush_done_ = 0;       // guarded by state_mutex_
  mutable std::atomic<bool> wake_pending_{false};
  mutable std::atomic<uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace portico::server
