// Buffered access log: per-thread buffers, a writer thread that flushes them on a timer, when
// one fills, on request and at exit, and reopens the file on request (log rotation).
#include "server/access_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <system_error>

#include "portico/base/log.h"

namespace portico::server {
namespace {

std::atomic<uint64_t> g_next_log_id{1};

// The calling thread's shard of the log it wrote to last (ids are never reused, so an entry
// for a destroyed log never matches a live one).
struct ShardCache {
  uint64_t log_id = 0;
  void* shard = nullptr;
};
thread_local ShardCache t_shard_cache;

int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

}  // namespace

struct AccessLog::Shard {
  std::thread::id owner;
  std::mutex mutex;  // taken by its thread per line and by the writer per flush: uncontended
  std::string buffer;
};

AccessLog::AccessLog(AccessLogOptions options)
    : options_(std::move(options)),
      formatter_(options_.format, options_.format_string),
      id_(g_next_log_id.fetch_add(1)) {
  if (options_.path == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    fd_ = open_log_file(options_.path);
    if (fd_ < 0) {
      throw std::system_error(errno, std::generic_category(), "access log '" + options_.path + "'");
    }
    owns_fd_ = true;
  }
  // Process signals belong to the event loop's signalfd. The writer may start before the
  // server blocks them; it is created with every signal blocked, so none is ever delivered
  // to it (SIGTERM there would kill the process and lose buffered lines).
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  writer_ = std::thread([this] { writer_main(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

namespace {
AccessLogOptions combined_to(const std::string& path) {
  AccessLogOptions o;
  o.path = path;
  return o;
}
}  // namespace

AccessLog::AccessLog(const std::string& path) : AccessLog(combined_to(path)) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();
  if (owns_fd_) ::close(fd_);
}

std::string AccessLog::format(const http::AccessLogEntry& entry) {
  std::string line;
  append_combined_line(line, entry);
  return line;
}

AccessLog::Shard& AccessLog::shard_for_this_thread() const {
  if (t_shard_cache.log_id == id_) return *static_cast<Shard*>(t_shard_cache.shard);
  std::lock_guard<std::mutex> lock(shards_mutex_);
  std::thread::id self = std::this_thread::get_id();
  Shard* found = nullptr;
  for (auto& s : shards_) {
    if (s->owner == self) found = s.get();
  }
  if (!found) {
    shards_.push_back(std::make_unique<Shard>());
    found = shards_.back().get();
    found->owner = self;
  }
  t_shard_cache = ShardCache{id_, found};
  return *found;
}

void AccessLog::write(const http::AccessLogEntry& entry) const {
  Shard& shard = shard_for_this_thread();
  size_t size = 0;
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.buffer.size() >= options_.buffer_bytes * 16) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    formatter_.append(shard.buffer, entry);
    size = shard.buffer.size();
  }
  if (size >= options_.buffer_bytes && !wake_pending_.exchange(true)) {
    std::lock_guard<std::mutex> lock(state_mutex_);
    wake_.notify_one();
  }
}

void AccessLog::reopen() {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    reopen_ = true;
  }
  wake_.notify_one();
}

void AccessLog::flush() {
  std::unique_lock<std::mutex> lock(state_mutex_);
  uint64_t ticket = ++flush_requested_;
  wake_.notify_one();
  flushed_.wait(lock, [&] { return flush_done_ >= ticket || stop_; });
}

void AccessLog::write_out(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      LOG_ERROR("access log '%s': write failed: %s", options_.path.c_str(),
                n < 0 ? std::strerror(errno) : "no progress");
      return;
    }
    done += static_cast<size_t>(n);
  }
}

void AccessLog::reopen_now() {
  if (!owns_fd_) return;
  int fd = open_log_file(options_.path);
  if (fd < 0) {
    LOG_ERROR("access log '%s': reopen failed: %s (still writing to the old file)",
              options_.path.c_str(), std::strerror(errno));
    return;
  }
  ::close(fd_);
  fd_ = fd;
  LOG_INFO("access log '%s' reopened", options_.path.c_str());
}

void AccessLog::writer_main() {
  std::string batch;
  std::vector<Shard*> shards;
  for (;;) {
    bool stopping = false;
    bool reopen = false;
    uint64_t flush_ticket = 0;
    {
      std::unique_lock<std::mutex> lock(state_mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(options_.flush_interval_ms), [&] {
        return stop_ || reopen_ || flush_requested_ > flush_done_ || wake_pending_.load();
      });
      stopping = stop_;
      reopen = reopen_;
      reopen_ = false;
      flush_ticket = flush_requested_;
    }
    wake_pending_.store(false);
    {
      std::lock_guard<std::mutex> lock(shards_mutex_);
      shards.clear();
      for (auto& s : shards_) shards.push_back(s.get());
    }
    // Shards are never removed while the log lives, so the pointers stay valid.
    for (Shard* s : shards) {
      std::lock_guard<std::mutex> lock(s->mutex);
      batch += s->buffer;
      s->buffer.clear();
      if (s->buffer.capacity() > options_.buffer_bytes * 4) s->buffer.shrink_to_fit();
    }
    if (!batch.empty()) write_out(batch);
    batch.clear();
    if (batch.capacity() > options_.buffer_bytes * 4) batch.shrink_to_fit();
    if (reopen) reopen_now();
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      flush_done_ = flush_ticket;
    }
    flushed_.notify_all();
    if (stopping) return;
  }
}

}  // namespace portico::server
