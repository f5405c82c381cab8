// EventLoop: the reactor loop, task queue, timers and connection table of one thread.
#include "portico/net/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "net/channel.h"
#include "net/poller.h"
#include "net/signal_channel.h"
#include "net/timer_queue.h"
#include "portico/base/clock.h"
#include "portico/base/log.h"
#include "portico/net/tcp_connection.h"

namespace portico::net {
namespace {

// sendfile(2) and plain write(2) (which OpenSSL's socket BIO uses) have no MSG_NOSIGNAL: a
// write to a connection the peer has reset raises SIGPIPE, whose default action kills the
// process. A server must get EPIPE instead. Only a default disposition is changed; a program
// that installed its own handler keeps it.
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      ::signal(SIGPIPE, SIG_IGN);
    }
  });
}

}  // namespace

EventLoop::EventLoop(Backend backend)
    : backend_(backend),
      thread_id_(std::this_thread::get_id()),
      now_ms_(monotonic_ms()),
      poller_(Poller::create(backend)),
      timers_(std::make_unique<TimerQueue>()) {
  ignore_sigpipe_once();
  wakeup_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeup_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  wakeup_channel_ = std::make_unique<Channel>(this, wakeup_fd_);
  wakeup_channel_->set_callback([this](uint32_t) { handle_wakeup(); });
  wakeup_channel_->enable_reading();
}

EventLoop::~EventLoop() {
  // Connections go first (without callbacks): their channels must leave the poller while it
  // exists. Tasks never run are destroyed, releasing whatever they captured.
  connections_.clear();
  closed_connections_.clear();
  signals_.reset();
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_.clear();
  }
  wakeup_channel_->remove();
  ::close(wakeup_fd_);
}

const char* EventLoop::backend_name(Backend backend) {
  switch (backend) {
    case Backend::kEpoll: return "epoll";
    case Backend::kPoll: return "poll";
  }
  return "?";
}

std::optional<Backend> EventLoop::parse_backend(std::string_view name) {
  if (name == "epoll") return Backend::kEpoll;
  if (name == "poll") return Backend::kPoll;
  return std::nullopt;
}

void EventLoop::assert_in_loop_thread() const {
  // A loop that is not running has no thread working on it, so its owner may set it up or
  // tear it down from elsewhere (run_in_loop_and_wait does exactly that).
  if (!in_loop_thread() && looping_.load(std::memory_order_acquire)) {
    std::fprintf(stderr, "portico: EventLoop used from a thread that does not own it\n");
    std::abort();
  }
}

void EventLoop::run() {
  if (!in_loop_thread()) {
    std::fprintf(stderr, "portico: EventLoop::run() called off the thread that created it\n");
    std::abort();
  }
  {
    std::lock_guard lock(tasks_mutex_);
    looping_.store(true, std::memory_order_release);
  }
  while (!quit_.load(std::memory_order_acquire)) {
    ready_.clear();
    poller_->poll(poll_timeout_ms(), &ready_);
    now_ms_ = monotonic_ms();
    ++stats_.iterations;

    // A callback may remove a channel that is further down this list (e.g. one connection
    // closing another); remove_channel() then clears its entry, so it is never dispatched.
    for (size_t i = 0; i < ready_.size(); ++i) {
      ready_[i].channel->set_active_index(static_cast<int>(i));
    }
    for (size_t i = 0; i < ready_.size(); ++i) {
      Channel* channel = ready_[i].channel;
      if (channel == nullptr) continue;
      channel->set_active_index(-1);
      channel->handle_event(ready_[i].events);
    }
    ready_.clear();

    stats_.timers_fired += timers_->run_due(now_ms_);
    run_pending_tasks();
    // Connections closed during this iteration are destroyed here, after every callback that
    // might still have been running on them has returned.
    closed_connections_.clear();
  }

  // Tasks posted while the loop was running are guaranteed to run (run_in_loop_and_wait
  // depends on it). Later posts find looping_ false and are handled by their callers.
  {
    std::lock_guard lock(tasks_mutex_);
    looping_.store(false, std::memory_order_release);
  }
  for (int round = 0; round < 16; ++round) {
    {
      std::lock_guard lock(tasks_mutex_);
      if (tasks_.empty()) break;
    }
    run_pending_tasks();
  }
  closed_connections_.clear();
  quit_.store(false, std::memory_order_release);
}

void EventLoop::quit() {
  quit_.store(true, std::memory_order_release);
  if (!in_loop_thread()) wakeup();
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(tasks_mutex_);
    tasks_.push_back(std::move(fn));
  }
  // On the loop thread during event dispatch the task runs at the end of this iteration
  // anyway; otherwise the loop may be asleep in the poller (or about to be) and needs a nudge.
  if (!in_loop_thread() || running_tasks_.load(std::memory_order_relaxed) ||
      !looping_.load(std::memory_order_acquire)) {
    wakeup();
  }
}

void EventLoop::run_in_loop(std::function<void()> fn) {
  if (in_loop_thread()) {
    fn();
  } else {
    post(std::move(fn));
  }
}

void EventLoop::run_in_loop_and_wait(std::function<void()> fn) {
  if (in_loop_thread()) {
    fn();
    return;
  }
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  bool queued = false;
  {
    // Decided under the task lock: while looping_ is true, run() is guaranteed to drain the
    // queue before it returns, so the waiter below is always released.
    std::lock_guard lock(tasks_mutex_);
    if (looping_.load(std::memory_order_acquire)) {
      tasks_.push_back([&] {
        fn();
        std::lock_guard done_lock(done_mutex);
        done = true;
        done_cv.notify_one();  // under the lock: the waiter cannot return and destroy the cv
      });
      queued = true;
    }
  }
  if (!queued) {
    fn();  // not running: nothing else touches the loop's state now
    return;
  }
  wakeup();
  std::unique_lock done_lock(done_mutex);
  done_cv.wait(done_lock, [&] { return done; });
}

void EventLoop::wakeup() {
  uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the loop will wake anyway.
  ssize_t n = ::write(wakeup_fd_, &one, sizeof one);
  (void)n;
}

void EventLoop::handle_wakeup() {
  uint64_t value;
  while (::read(wakeup_fd_, &value, sizeof value) > 0) {
  }
}

void EventLoop::run_pending_tasks() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(tasks_mutex_);
    tasks.swap(tasks_);
  }
  running_tasks_.store(true, std::memory_order_relaxed);
  for (auto& task : tasks) {
    task();
    ++stats_.tasks_run;
  }
  running_tasks_.store(false, std::memory_order_relaxed);
}

int EventLoop::poll_timeout_ms() const {
  int64_t due = timers_->next_due();
  if (due == TimerQueue::kNoTimer) return -1;
  int64_t wait = due - monotonic_ms();
  if (wait <= 0) return 0;
  return wait > INT_MAX ? INT_MAX : static_cast<int>(wait);
}

TimerId EventLoop::run_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  assert_in_loop_thread();
  int64_t d = delay.count() < 0 ? 0 : delay.count();
  return timers_->add(monotonic_ms() + d, 0, std::move(fn));
}

TimerId EventLoop::run_every(std::chrono::milliseconds interval, std::function<void()> fn) {
  assert_in_loop_thread();
  int64_t every = interval.count() < 1 ? 1 : interval.count();
  return timers_->add(monotonic_ms() + every, every, std::move(fn));
}

void EventLoop::cancel(TimerId id) {
  assert_in_loop_thread();
  timers_->cancel(id);
}

size_t EventLoop::pending_timers() const { return timers_->size(); }

bool EventLoop::timer_pending(TimerId id) const { return timers_->pending(id); }

void EventLoop::on_signals(const std::vector<int>& signals, std::function<void(int)> handler) {
  assert_in_loop_thread();
  if (!signals_) signals_ = std::make_unique<SignalChannel>(this);
  signals_->add(signals, std::move(handler));
}

TcpConnection* EventLoop::find_connection(uint64_t id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

TcpConnection& EventLoop::add_connection(std::unique_ptr<TcpConnection> conn) {
  assert_in_loop_thread();
  TcpConnection& ref = *conn;
  connections_[conn->id()] = std::move(conn);
  return ref;
}

void EventLoop::remove_connection(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  closed_connections_.push_back(std::move(it->second));
  connections_.erase(it);
  // Outside run() (e.g. in a test driving a loop by hand) nothing would clear the list; it
  // is cleared at the end of the current or next iteration, or in the destructor.
}

void EventLoop::for_each_connection(const std::function<void(TcpConnection&)>& fn) {
  std::vector<uint64_t> ids;
  ids.reserve(connections_.size());
  for (const auto& [id, conn] : connections_) ids.push_back(id);
  for (uint64_t id : ids) {
    if (TcpConnection* conn = find_connection(id)) fn(*conn);
  }
}

void EventLoop::update_channel(Channel* channel) {
  assert_in_loop_thread();
  poller_->update(channel);
}

void EventLoop::remove_channel(Channel* channel) {
  assert_in_loop_thread();
  int idx = channel->active_index();
  if (idx >= 0 && static_cast<size_t>(idx) < ready_.size() &&
      ready_[static_cast<size_t>(idx)].channel == channel) {
    ready_[static_cast<size_t>(idx)].channel = nullptr;
  }
  channel->set_active_index(-1);
  poller_->remove(channel);
}

}  // namespace portico::net
